"""Passphrase encryption of the backup's secrets: scrypt-derived key, AES-256-GCM.

One key is derived per backup (random salt kept in the manifest); from it, HKDF gives the
encryption key of the secrets and the HMAC key that seals the manifest, so a wrong passphrase
and an edited manifest are both detected.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .common import WrongPassphrase

MAGIC = b"KHDSEC1\n"
# scrypt cost: ~0.1 s and 32 MiB on the target machines; stored in the manifest so it can grow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


@dataclass(frozen=True)
class Keys:
    """Keys derived from the passphrase for one backup."""

    encryption: bytes
    mac: bytes


def new_kdf_params() -> dict:
    """Fresh KDF parameters (random salt) for a new backup."""
    return {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "cipher": "AES-256-GCM",
            "salt": base64.b64encode(os.urandom(16)).decode()}


def derive(passphrase: str, params: dict) -> Keys:
    """Derive the backup's keys from the passphrase and the manifest's KDF parameters."""
    if not passphrase:
        raise WrongPassphrase("a passphrase is required (--passphrase or KHD_BACKUP_PASSPHRASE)")
    master = Scrypt(salt=base64.b64decode(params["salt"]), length=32, n=int(params["n"]), r=int(params["r"]),
                    p=int(params["p"])).derive(passphrase.encode())

    def sub(label: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)

    return Keys(encryption=sub(b"khd-backup secrets"), mac=sub(b"khd-backup manifest"))


def encrypt(keys: Keys, plaintext: bytes, backup_id: str) -> bytes:
    """MAGIC + nonce + AES-GCM ciphertext; the backup id is authenticated data (no swapping)."""
    nonce = os.urandom(12)
    return MAGIC + nonce + AESGCM(keys.encryption).encrypt(nonce, plaintext, MAGIC + backup_id.encode())


def decrypt(keys: Keys, blob: bytes, backup_id: str) -> bytes:
    """Inverse of encrypt; WrongPassphrase when the tag does not verify."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 12 + 16:
        raise WrongPassphrase("the secrets file is not a khuyenhoc backup secrets file")
    nonce, body = blob[len(MAGIC):len(MAGIC) + 12], blob[len(MAGIC) + 12:]
    try:
        return AESGCM(keys.encryption).decrypt(nonce, body, MAGIC + backup_id.encode())
    except InvalidTag as exc:
        raise WrongPassphrase("wrong passphrase: the backup's secrets cannot be decrypted") from exc


def seal(keys: Keys, canonical: bytes) -> str:
    """HMAC-SHA256 of the manifest's canonical form."""
    return hmac.new(keys.mac, canonical, hashlib.sha256).hexdigest()


def check_seal(keys: Keys, canonical: bytes, mac: str) -> bool:
    """Constant-time comparison of the manifest's seal."""
    return hmac.compare_digest(seal(keys, canonical), mac or "")
