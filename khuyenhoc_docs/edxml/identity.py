"""This document system's exchange identity: the key that signs automatic status messages.

Documents are signed by the sending organisation's own certificate when the clerk issues them;
status messages (01 arrived, 03 registered…) go out with no one at the keyboard, so they are
signed by the system's certificate: a PKCS#12 given in configuration, or one the demo CA issues.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ..signing.pki import CertKey, issue_signing_cert, load_pkcs12, to_pkcs12


@dataclass(frozen=True)
class Identity:
    key: object
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def load_identity(p12: bytes, passphrase: str) -> Identity:
    """Open a PKCS#12 identity (raises WrongPassphrase / KeyFileInvalid)."""
    key, cert, chain = load_pkcs12(p12, passphrase)
    return Identity(key=key, cert=cert, chain=tuple(chain))


def ensure_demo_identity(path: Path, ca: CertKey, passphrase: str, name: str) -> Identity:
    """Issue the demo system identity under the demo CA once; later calls load it."""
    if not path.exists():
        ck = issue_signing_cert(ca, full_name=name, organisation=name, position="HỆ THỐNG QUẢN LÝ VĂN BẢN",
                                email="edxml@khuyenhoc.local")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(to_pkcs12(ck, [ca.cert], passphrase))
        try:
            os.link(tmp, path)  # two processes starting at once keep the first one
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return load_identity(path.read_bytes(), passphrase)
