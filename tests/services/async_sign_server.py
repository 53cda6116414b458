"""A confirm-in-app signing service for tests (shaped like VNPT SmartCA's hash signing API).

``python async_sign_server.py --serve HOST PORT DIR``; DIR holds ``config.json``: sp_id,
sp_password, users {user_id: {"key": file, "certs": file}}, expiry_seconds, delay, mode ("ok" |
"wrong_hash" | "error"). The test plays the signer's phone through /_test/: list transactions,
confirm, reject, expire one."""
from __future__ import annotations

import base64
import hashlib
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from provider_common import JsonHandler, cert_b64s, load_key, raw_sign_hash, serve  # noqa: E402

_tx: dict[str, dict] = {}
_lock = threading.Lock()


class AsyncHandler(JsonHandler):
    def route(self, path: str, body: dict, cfg: dict) -> tuple[int, Any]:
        if path.startswith("/_test/"):
            return self.control(path[len("/_test/"):], cfg)
        if cfg.get("mode") == "error":
            return 500, {"status_code": 500, "message": "INTERNAL_ERROR"}
        if body.get("sp_id") != cfg["sp_id"] or body.get("sp_password") != cfg["sp_password"]:
            return 401, {"status_code": 401, "message": "INVALID_SP"}
        user = cfg["users"].get(str(body.get("user_id")))
        if user is None:
            return 404, {"status_code": 404, "message": "USER_NOT_FOUND"}
        if path == "/v1/credentials/get_certificate":
            certs = cert_b64s(self.root / user["certs"])
            return 200, {"status_code": 200, "message": "SUCCESS", "data": {"user_certificates": [
                {"cert_id": "c1", "cert_data": certs[0], "chain_data": certs[1:]}]}}
        if path == "/v1/signatures/sign":
            files = body.get("sign_files") or []
            if not files or any(f.get("sign_type") != "hash" or len(f.get("data_to_be_signed", "")) != 64
                                for f in files):
                return 400, {"status_code": 400, "message": "INVALID_SIGN_FILES"}
            tid = str(body.get("transaction_id"))
            with _lock:
                if tid in _tx:
                    return 409, {"status_code": 409, "message": "DUPLICATE_TRANSACTION"}
                _tx[tid] = {"user_id": str(body["user_id"]), "files": files, "status": "pending",
                            "tran_code": f"{secrets.randbelow(10**6):06d}", "created": time.time(),
                            "desc": body.get("transaction_desc", ""), "signatures": []}
            return 200, {"status_code": 200, "message": "WAITING_FOR_SIGNER_CONFIRM",
                         "data": {"transaction_id": tid, "tran_code": _tx[tid]["tran_code"]}}
        if path.startswith("/v1/signatures/sign/") and path.endswith("/status"):
            tid = path.split("/")[4]
            with _lock:
                tx = _tx.get(tid)
                if tx is None or tx["user_id"] != str(body["user_id"]):
                    return 404, {"status_code": 404, "message": "TRANSACTION_NOT_FOUND"}
                if tx["status"] == "pending" and time.time() - tx["created"] > float(cfg.get("expiry_seconds", 300)):
                    tx["status"] = "expired"
                return 200, {"status_code": 200, "message": tx["status"].upper(), "data": {
                    "transaction_id": tid, "status": tx["status"], "signatures": tx["signatures"]}}
        return 404, {"status_code": 404, "message": "NOT_FOUND"}

    def control(self, action: str, cfg: dict) -> tuple[int, Any]:
        if action == "transactions":
            with _lock:
                return 200, [{"transaction_id": k, "tran_code": v["tran_code"], "status": v["status"],
                              "desc": v["desc"], "doc_ids": [f["doc_id"] for f in v["files"]]} for k, v in _tx.items()]
        verb, _, tid = action.partition("/")
        with _lock:
            tx = _tx.get(tid)
            if tx is None:
                return 404, {"message": "TRANSACTION_NOT_FOUND"}
            if verb == "confirm":
                key = load_key(self.root / cfg["users"][tx["user_id"]]["key"])
                sigs = []
                for f in tx["files"]:
                    digest = bytes.fromhex(f["data_to_be_signed"])
                    if cfg.get("mode") == "wrong_hash":
                        digest = hashlib.sha256(digest).digest()
                    sigs.append({"doc_id": f["doc_id"],
                                 "signature_value": base64.b64encode(raw_sign_hash(key, digest)).decode()})
                tx["status"], tx["signatures"] = "confirmed", sigs
            elif verb in ("reject", "expire"):
                tx["status"] = "rejected" if verb == "reject" else "expired"
            else:
                return 404, {"message": "UNKNOWN_ACTION"}
            return 200, {"status": tx["status"]}


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "--serve":
        sys.exit("usage: async_sign_server.py --serve HOST PORT DIR")
    serve(AsyncHandler, sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
