"""Issue 14 item 21: sign-in throttling is shared by every worker process (a SQLite store in the data
dir under `make run`, Redis in production) and also counts per address across usernames."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter

from khuyenhoc_docs.config import load_settings
from khuyenhoc_docs.ratelimit_store import SqliteStorage, sqlite_uri
from khuyenhoc_docs.web.extensions import check_route_limits_only, limiter
from tests.conftest import login, make_app

_WORKER = textwrap.dedent("""
    import json, sys
    from khuyenhoc_docs import create_app
    app = create_app({"data_dir": sys.argv[1], "testing": True, "secret_key": "x", "csrf_disabled": True,
                      "login_limit": "3 per hour"})  # an hour: slow process start-up never spans a window
    client = app.test_client()
    codes = [client.post("/login", data={"username": "vanthu", "password": f"sai-{i}"}).status_code
             for i in range(int(sys.argv[2]))]
    print(json.dumps(codes))
""")


def _worker(data_dir: Path, attempts: int) -> list[int]:
    """One separate process, as a gunicorn worker is, trying wrong passwords."""
    out = subprocess.run([sys.executable, "-c", _WORKER, str(data_dir), str(attempts)], capture_output=True,
                         text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_store_is_a_file_in_the_data_dir(tmp_path):
    settings = load_settings({"KHD_DATA_DIR": str(tmp_path)})
    assert settings.ratelimit_uri == sqlite_uri(tmp_path / "run" / "ratelimit.sqlite3")
    assert load_settings({"KHD_RATELIMIT_STORAGE": "redis://r:6379"}).ratelimit_uri == "redis://r:6379"


def test_worker_processes_share_the_login_counter(data_dir):
    assert _worker(data_dir, 2) == [401, 401]
    assert _worker(data_dir, 2) == [401, 429]  # the second process sees the first one's attempts


def test_store_counts_windows_atomically(tmp_path):
    store = SqliteStorage(sqlite_uri(tmp_path / "rl.sqlite3"))
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get_expiry("k") > 0 and store.check()
    assert store.incr("gone", -1) == 1 and store.get("gone") == 0  # an expired window reads 0
    assert store.incr("gone", 60) == 1  # and restarts
    store.clear("k")
    assert store.get("k") == 0
    other = SqliteStorage(sqlite_uri(tmp_path / "rl.sqlite3"))  # another "process" on the same file
    store.incr("shared", 60)
    assert other.incr("shared", 60) == 2


def test_one_address_is_limited_across_usernames_on_the_form_and_the_api(data_dir):
    app = make_app(data_dir, login_limit="10 per minute", login_address_limit="5 per minute")
    client = app.test_client()
    form = [login(client, f"nguoi-{i}", "sai-mat-khau").status_code for i in range(3)]
    api = [client.post("/api/v1/auth/token", json={"username": f"api-{i}", "password": "x"}).status_code
           for i in range(3)]
    assert form == [401, 401, 401] and api == [401, 401, 429]
    refused = login(client, "vanthu")  # the right password does not help once the address is limited
    assert refused.status_code == 429 and "địa chỉ này" in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert login(elsewhere, "vanthu").status_code == 302  # another address is not affected
    app.extensions["khd.engine"].dispose()


def test_counters_live_under_run_and_stay_out_of_backups(data_dir):
    from khuyenhoc_docs.backup.datadir import secret_files

    app = make_app(data_dir)
    assert login(app.test_client(), "vanthu", "sai-mat-khau").status_code == 401
    counters = data_dir / "run" / "ratelimit.sqlite3"
    assert counters.is_file()  # the attempt was counted in the shared file
    (data_dir / "credential.p12").write_bytes(b"x")  # a secret kept in the data dir: it is packed
    packed = {p.relative_to(data_dir).as_posix() for p in secret_files(data_dir, database_file=None)}
    assert "credential.p12" in packed
    assert not [p for p in packed if "ratelimit" in p or p.startswith("run/")]
    app.extensions["khd.engine"].dispose()


def _tiny_app(rate_limiter: Limiter, *, blueprint_limit: bool = False) -> Flask:
    app = Flask("tiny")
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    bp = Blueprint("bp", __name__)

    def open_view() -> str:  # named: Flask-Limiter tells views apart by their qualified names
        return "ok"

    def limited_view() -> str:
        return "ok"

    bp.add_url_rule("/open", "open", open_view)
    bp.add_url_rule("/limited", "limited", rate_limiter.limit("2 per day")(limited_view))
    if blueprint_limit:
        rate_limiter.limit("2 per day")(bp)
    rate_limiter.init_app(app)
    app.register_blueprint(bp)
    check_route_limits_only(app, rate_limiter)
    return app


@pytest.mark.parametrize("wide", ["none", "default", "application", "blueprint"])
def test_route_limits_hold_without_the_per_request_hook_and_wide_limits_keep_it(wide):
    rate_limiter = Limiter(key_func=lambda: "one", default_limits=["2 per day"] if wide == "default" else [],
                           application_limits=["2 per day"] if wide == "application" else [])
    app = _tiny_app(rate_limiter, blueprint_limit=wide == "blueprint")
    client = app.test_client()
    assert (rate_limiter._check_request_limit in app.before_request_funcs[None]) is (wide != "none")
    assert [client.get("/limited").status_code for _ in range(3)] == [200, 200, 429]
    open_codes = [client.get("/open").status_code for _ in range(3)]
    assert open_codes == ([200, 200, 200] if wide == "none" else [200, 200, 429] if wide != "application" else
                          [429, 429, 429])  # the application-wide limit counts every route together


def test_the_app_limits_routes_only(app):
    assert limiter._check_request_limit not in app.before_request_funcs[None]
