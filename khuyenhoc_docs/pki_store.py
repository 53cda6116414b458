"""The demo PKI kept in the data dir: a CA and a TSA certificate under it, made once."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from .signing.pki import CertKey, create_demo_ca, issue_tsa_cert

CA_CN = "Khuyến học Bến Tre DEMO CA"


@dataclass(frozen=True)
class DemoPki:
    """CA and TSA identities of the demo deployment."""

    ca: CertKey
    tsa: CertKey


def _write(directory: Path, name: str, ck: CertKey) -> None:
    (directory / f"{name}.pem").write_bytes(ck.cert_pem())
    key_path = directory / f"{name}-key.pem"
    key_path.write_bytes(ck.key_pem())
    key_path.chmod(0o600)


def _load(directory: Path, name: str) -> CertKey:
    return CertKey.from_pem((directory / f"{name}.pem").read_bytes(), (directory / f"{name}-key.pem").read_bytes())


def ensure_demo_pki(pki_dir: Path) -> DemoPki:
    """Load the demo PKI, creating it on first use (atomic rename: concurrent starters agree)."""
    if not (pki_dir / "ca.pem").exists():
        pki_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".pki-", dir=pki_dir.parent))
        ca = create_demo_ca(CA_CN, 20)
        _write(tmp, "ca", ca)
        _write(tmp, "tsa", issue_tsa_cert(ca, common_name="Khuyến học Bến Tre DEMO TSA"))
        tmp.chmod(0o700)
        try:
            os.rename(tmp, pki_dir)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    return DemoPki(ca=_load(pki_dir, "ca"), tsa=_load(pki_dir, "tsa"))


def load_roots(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    """Trust roots from PEM files (each may hold several certificates)."""
    roots: list[x509.Certificate] = []
    for path in paths:
        roots.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return roots
