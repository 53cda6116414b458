"""Threads that import at first use never get a half-made module.

A web worker's request threads and the job consumer's worker threads import the signing, search,
edXML and backup code when they first need it. If a package's ``__init__`` imported its own
submodules, one thread importing the package while another imports one of those submodules would
deadlock on CPython's import locks; the deadlock detection hands one of them a half-initialised
module (the job consumer failed so: ``cannot import name 'PrivateKey' from partially initialized
module 'khuyenhoc_docs.signing.pki'``). Each check runs in a fresh interpreter.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "khuyenhoc_docs"

# Imported by create_app in the main thread, before any request thread runs.
EAGER = {"khuyenhoc_docs.conversion", "khuyenhoc_docs.distribution", "khuyenhoc_docs.models",
         "khuyenhoc_docs.storage", "khuyenhoc_docs.web", "khuyenhoc_docs.web.messages"}
# Submodules a package may import itself: they import nothing else of the package.
LEAVES = {"khuyenhoc_docs": {"lazy"}, "khuyenhoc_docs.signing": {"asn1_dump", "hexstrings", "nameprep"}}


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _packages() -> list[str]:
    names = [".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")]
    return sorted(n for n in names if n not in EAGER and ".migrations" not in n)


LOADED = """
import importlib, json, sys
name = sys.argv[1]
importlib.import_module(name)
print(json.dumps(sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.rpartition(".")[0] == name)))
"""


@pytest.mark.parametrize("package", _packages())
def test_a_package_imported_at_first_use_imports_none_of_its_submodules(package):
    out = _python(LOADED, package)
    assert out.returncode == 0, out.stderr[-2000:]
    assert set(json.loads(out.stdout)) <= LEAVES.get(package, set())


@pytest.mark.parametrize("leaf", [f"{p}.{m}" for p, ms in sorted(LEAVES.items()) for m in sorted(ms)])
def test_a_leaf_imports_nothing_else_of_its_package(leaf):
    package, _, name = leaf.rpartition(".")
    out = _python(LOADED.replace("importlib.import_module(name)", "importlib.import_module(sys.argv[2])"),
                  package, leaf)
    assert out.returncode == 0, out.stderr[-2000:]
    assert set(json.loads(out.stdout)) <= LEAVES[package]


def test_create_app_imports_the_eager_packages(tmp_path):
    code = """
import json, sys
from khuyenhoc_docs import create_app
create_app({"data_dir": sys.argv[1], "secret_key": "probe"})
print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m not in sys.modules)))
"""
    out = _python(code, str(tmp_path / "data"), json.dumps(sorted(EAGER)))
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


RACE = """
import importlib, sys, threading
barrier = threading.Barrier(len(sys.argv) - 1)
errors = []
def load(name):
    barrier.wait()
    try:
        importlib.import_module(name)
    except Exception as exc:
        errors.append(f"{name}: {exc!r}")
threads = [threading.Thread(target=load, args=(n,)) for n in sys.argv[1:]]
for t in threads: t.start()
for t in threads: t.join()
print(errors)
"""


@pytest.mark.parametrize("names", [
    # the consumer's two tasks: edXML inbox (imports the package) and remote signing (pki_store → signing.pki)
    ("khuyenhoc_docs.signing", "khuyenhoc_docs.pki_store"),
    ("khuyenhoc_docs.signing", "khuyenhoc_docs.signing.keys", "khuyenhoc_docs.signing.validation"),
    ("khuyenhoc_docs.search", "khuyenhoc_docs.search.sqlite_fts"),
    ("khuyenhoc_docs.edxml", "khuyenhoc_docs.edxml.xmlsig"),
    ("khuyenhoc_docs.backup", "khuyenhoc_docs.backup.verify"),
])
def test_two_threads_import_a_package_and_its_submodule_at_once(names):
    for _ in range(3):  # before the fix the first pair failed in 12 runs of 12
        out = _python(RACE, *names)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip() == "[]"


def test_consumer_threads_import_the_domain_once_and_together():
    code = """
import sys, threading
from khuyenhoc_docs import lazy
barrier = threading.Barrier(4)
counts, errors = [], []
def start():
    barrier.wait()
    try:
        counts.append(lazy.import_domain())
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=start) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(errors, len(set(counts)), counts[0] > 100, "khuyenhoc_docs.web" in sys.modules,
      "khuyenhoc_docs.workflow.remote_signing" in sys.modules)
"""
    out = _python(code)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[] 1 True False True"
