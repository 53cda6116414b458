"""A web worker that only serves lists and pages stays small (issue 16): building the app and
answering the document list import none of the signing, PDF, office, edXML or job-queue stacks.
They load at first use (signing a document still loads pyHanko, in the worker that signs)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from khuyenhoc_docs.web.api import exchange_api, signing_api
from khuyenhoc_docs.workflow import batch, exchange_in, exchange_out

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pyhanko", "pyhanko_certvalidator", "pdfplumber", "pdfminer", "docxtpl", "docx", "openpyxl", "signxml",
         "aiohttp", "cryptography", "lxml", "PIL", "fontTools", "huey", "redis")

PROBE = """
import json, sys
from khuyenhoc_docs import create_app
app = create_app({"data_dir": sys.argv[1], "secret_key": "probe"})
print(json.dumps({"create_app": [m for m in json.loads(sys.argv[2]) if m in sys.modules]}))
"""


def _probe(tmp_path: Path) -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "data"), json.dumps(HEAVY)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_create_app_imports_no_heavy_stack(tmp_path):
    assert _probe(tmp_path) == {"create_app": []}


def test_list_request_path_imports_no_heavy_stack(app):
    """The signed-in list (API and page) in this process's app must not need them either: checked
    in a fresh process that serves the same requests as tests/test_list_queries.py."""
    code = """
import json, sys
sys.path.insert(0, ".")
from tests.conftest import api_token, login
from khuyenhoc_docs import create_app
app = create_app({"data_dir": sys.argv[1], "secret_key": "probe", "login_limit": "1000 per minute"})
c = app.test_client()
r = c.get("/api/v1/documents?per_page=20", headers=api_token(c, "vanthu"))
assert r.status_code == 200 and r.get_json()["items"], r.status_code
login(c, "vanthu")
assert c.get("/documents/").status_code == 200
print(json.dumps([m for m in json.loads(sys.argv[2]) if m in sys.modules]))
"""
    data_dir = app.config["KHD_SETTINGS"].data_dir
    out = subprocess.run([sys.executable, "-c", code, str(data_dir), json.dumps(HEAVY)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_schema_constants_agree_with_the_workflow():
    """The API schemas spell out a few workflow constants instead of importing their modules."""
    assert signing_api.MAX_BATCH == batch.MAX_BATCH
    assert list(exchange_in.CLERK_CODES) == exchange_api.CLERK_CODES
    assert list(exchange_out.BUSINESS_KINDS) == exchange_api.BUSINESS_KINDS
