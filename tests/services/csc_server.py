"""A CSC API v1 test server holding one key (certified by the demo CA in the tests).

``python csc_server.py --serve HOST PORT DIR``; DIR holds ``key.pem``, ``certs.pem`` (signer
first, then chain) and ``config.json``: client_id, client_secret, credential_id, pin, otp (empty:
none), multisign, delay, mode ("ok" | "wrong_hash": signs another hash | "error": 500s).
Implements auth/login (HTTP Basic), credentials/list, credentials/info, credentials/authorize
(PIN/OTP, hashes pinned to the SAD, SCAL 2) and signatures/signHash."""
from __future__ import annotations

import base64
import hashlib
import secrets
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run isolated (-I): find provider_common

from provider_common import JsonHandler, cert_b64s, load_key, raw_sign_hash, serve  # noqa: E402

ECDSA_SHA256 = "1.2.840.10045.4.3.2"
RSA_SHA256 = "1.2.840.113549.1.1.11"
_tokens: set[str] = set()
_sads: dict[str, set[str]] = {}  # SAD → hashes it may sign (used once)
_lock = threading.Lock()


class CscHandler(JsonHandler):
    def route(self, path: str, body: dict, cfg: dict) -> tuple[int, Any]:
        if cfg.get("mode") == "error":
            return 500, {"error": "server_error"}
        if path == "/csc/v1/auth/login":
            expected = base64.b64encode(f"{cfg['client_id']}:{cfg['client_secret']}".encode()).decode()
            if self.headers.get("Authorization", "") != f"Basic {expected}":
                return 401, {"error": "invalid_client"}
            token = secrets.token_hex(16)
            with _lock:
                _tokens.add(token)
            return 200, {"access_token": token, "expires_in": 3600}
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in _tokens:
            return 401, {"error": "invalid_token"}
        if path == "/csc/v1/credentials/list":
            return 200, {"credentialIDs": [cfg["credential_id"]]}
        if body.get("credentialID") != cfg["credential_id"]:
            return 400, {"error": "invalid_request", "error_description": "Invalid credentialID"}
        if path == "/csc/v1/credentials/info":
            from cryptography.hazmat.primitives.asymmetric import ec

            key = load_key(self.root / "key.pem")
            algo = ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else RSA_SHA256
            return 200, {"key": {"status": "enabled", "algo": [algo], "len": key.key_size},
                         "cert": {"status": "valid", "certificates": cert_b64s(self.root / "certs.pem")},
                         "multisign": int(cfg.get("multisign", 1)), "authMode": "explicit", "SCAL": "2",
                         "PIN": {"presence": "true"}, "OTP": {"presence": "true" if cfg.get("otp") else "false"}}
        if path == "/csc/v1/credentials/authorize":
            if body.get("PIN") != cfg["pin"]:
                return 400, {"error": "invalid_pin", "error_description": "The PIN is invalid"}
            if cfg.get("otp") and body.get("OTP") != cfg["otp"]:
                return 400, {"error": "invalid_otp", "error_description": "The OTP is invalid"}
            hashes = body.get("hash") or []
            if not hashes or int(body.get("numSignatures", 0)) != len(hashes) or \
                    len(hashes) > int(cfg.get("multisign", 1)):
                return 400, {"error": "invalid_request", "error_description": "Invalid numSignatures"}
            sad = secrets.token_hex(16)
            with _lock:
                _sads[sad] = set(hashes)
            return 200, {"SAD": sad, "expiresIn": 300}
        if path == "/csc/v1/signatures/signHash":
            hashes = body.get("hash") or []
            with _lock:
                allowed = _sads.pop(str(body.get("SAD")), None)
            if allowed is None or not set(hashes) <= allowed:
                return 400, {"error": "invalid_request", "error_description": "Invalid SAD"}
            key = load_key(self.root / "key.pem")
            out = []
            for h in hashes:
                digest = base64.b64decode(h)
                if cfg.get("mode") == "wrong_hash":
                    digest = hashlib.sha256(digest).digest()
                out.append(base64.b64encode(raw_sign_hash(key, digest)).decode())
            return 200, {"signatures": out}
        return 404, {"error": "not_found"}


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "--serve":
        sys.exit("usage: csc_server.py --serve HOST PORT DIR")
    serve(CscHandler, sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
