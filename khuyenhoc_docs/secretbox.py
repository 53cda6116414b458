"""Encryption at rest for stored secrets (remote signing client secrets, short-lived SAD tokens).

The key is derived (HKDF-SHA256) from the app secret: ``KHD_SECRET_KEY`` or the key generated once
in the data dir, so the database alone does not reveal the secrets."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import ValidationFailed


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the app secret."""

    def __init__(self, app_secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"khuyenhoc-docs",
                   info=b"credential-secrets v1").derive(app_secret.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, plaintext: str) -> str:
        """Encrypt (empty stays empty: "no secret stored")."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii") if plaintext else ""

    def open(self, token: str) -> str:
        """Decrypt; a token from another key (app secret changed) is a clear configuration error."""
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise ValidationFailed(code="secret_undecryptable") from exc
