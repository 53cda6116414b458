"""The demo PKI kept in a directory: two unrelated demo hierarchies (the organisations' demo CA
and a "chuyên dùng"-like CA), two TSA certificates and the revocation registry that the demo
PKI server (``khuyenhoc_docs.pki_server``) publishes as CRLs and OCSP responses.

Certificates issued here name the PKI server in their AIA and CRL distribution points, so
pyHanko and pdfsig can fetch revocation data like they would from a national CA."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from .signing.pki import CertKey, RevocationUrls, create_demo_ca, issue_tsa_cert

CA_CN = "Khuyến học Bến Tre DEMO CA"
CD_CA_CN = "DEMO CA chuyên dùng (mô phỏng Ban Cơ yếu Chính phủ)"
MAIN, SPECIAL = "demo", "cd"  # hierarchy ids used in the server's URLs
CA_IDS = (MAIN, SPECIAL)
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation", "certificate_hold")


@dataclass(frozen=True)
class DemoPki:
    """CAs and TSA identities of the demo deployment, and where its server answers."""

    ca: CertKey
    tsa: CertKey  # signature timestamps
    cd_ca: CertKey  # the second, unrelated hierarchy ("chuyên dùng")
    archive_tsa: CertKey  # document timestamps of archive refreshes (a later-expiring TSA cert)
    base_url: str
    directory: Path

    def ca_by_id(self, ca_id: str) -> CertKey:
        return {MAIN: self.ca, SPECIAL: self.cd_ca}[ca_id]

    def urls(self, ca_id: str = MAIN) -> RevocationUrls:
        return revocation_urls(self.base_url, ca_id)

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.ca.cert, self.cd_ca.cert]


def revocation_urls(base_url: str, ca_id: str) -> RevocationUrls:
    base = base_url.rstrip("/")
    return RevocationUrls(ocsp=f"{base}/ocsp/{ca_id}", crl=f"{base}/crl/{ca_id}.crl",
                          ca_issuers=f"{base}/ca/{ca_id}.crt")


def _write(directory: Path, name: str, ck: CertKey) -> None:
    (directory / f"{name}.pem").write_bytes(ck.cert_pem())
    key_path = directory / f"{name}-key.pem"
    key_path.write_bytes(ck.key_pem())
    key_path.chmod(0o600)


def _load(directory: Path, name: str) -> CertKey:
    return CertKey.from_pem((directory / f"{name}.pem").read_bytes(), (directory / f"{name}-key.pem").read_bytes())


def _create(directory: Path, base_url: str) -> None:
    ca = create_demo_ca(CA_CN, 20)
    cd_ca = create_demo_ca(CD_CA_CN, 20, organisation="Chuyên dùng DEMO")
    _write(directory, "ca", ca)
    _write(directory, "cd-ca", cd_ca)
    urls = revocation_urls(base_url, MAIN)
    _write(directory, "tsa", issue_tsa_cert(ca, common_name="Khuyến học Bến Tre DEMO TSA", urls=urls))
    # The archive TSA's certificate outlives the signing TSA's (like a TSA's renewed certificate):
    # archive refreshes only add a timestamp that extends the protection.
    archive_end = ca.cert.not_valid_after_utc - timedelta(days=30)
    _write(directory, "tsa-archive", issue_tsa_cert(ca, common_name="Khuyến học Bến Tre DEMO TSA lưu trữ",
                                                     urls=urls, not_after=archive_end))
    (directory / "base_url").write_text(base_url)


def ensure_demo_pki(pki_dir: Path, base_url: str = "http://127.0.0.1:5081") -> DemoPki:
    """Load the demo PKI, creating it on first use (atomic rename: concurrent starters agree).

    ``base_url`` is the demo PKI server's address, written into the certificates at creation."""
    if not (pki_dir / "ca.pem").exists():
        pki_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".pki-", dir=pki_dir.parent))
        _create(tmp, base_url)
        tmp.chmod(0o700)
        try:
            os.rename(tmp, pki_dir)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
    elif not (pki_dir / "cd-ca.pem").exists():
        _upgrade(pki_dir, base_url)
    stored_url = (pki_dir / "base_url").read_text().strip() if (pki_dir / "base_url").exists() else base_url
    return DemoPki(ca=_load(pki_dir, "ca"), tsa=_load(pki_dir, "tsa"), cd_ca=_load(pki_dir, "cd-ca"),
                   archive_tsa=_load(pki_dir, "tsa-archive"), base_url=stored_url, directory=pki_dir)


def _upgrade(pki_dir: Path, base_url: str) -> None:
    """A PKI made before the second hierarchy existed: add what is missing (under a lock)."""
    with open(pki_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (pki_dir / "cd-ca.pem").exists():
            return
        ca = _load(pki_dir, "ca")
        _write(pki_dir, "tsa-archive", issue_tsa_cert(
            ca, common_name="Khuyến học Bến Tre DEMO TSA lưu trữ", urls=revocation_urls(base_url, MAIN),
            not_after=ca.cert.not_valid_after_utc - timedelta(days=30)))
        if not (pki_dir / "base_url").exists():
            (pki_dir / "base_url").write_text(base_url)
        _write(pki_dir, "cd-ca", create_demo_ca(CD_CA_CN, 20, organisation="Chuyên dùng DEMO"))


# --- revocation registry (a small JSON file; the PKI server re-reads it on each request) ---

@dataclass(frozen=True)
class Revocation:
    serial: int
    revoked_at: datetime
    reason: str


def load_revocations(pki_dir: Path, ca_id: str) -> dict[int, Revocation]:
    path = pki_dir / "revoked.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text() or "{}").get(ca_id, {})
    return {int(k, 16): Revocation(int(k, 16), datetime.fromisoformat(v["time"]), v["reason"])
            for k, v in data.items()}


def revoke(pki_dir: Path, cert: x509.Certificate, *, at: datetime | None = None,
           reason: str = "key_compromise") -> Revocation:
    """Record ``cert`` as revoked by the demo CA that issued it (``at`` may be backdated)."""
    if reason not in REVOCATION_REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    pki = ensure_demo_pki(pki_dir)
    ca_id = next((i for i in CA_IDS if pki.ca_by_id(i).cert.subject == cert.issuer), None)
    if ca_id is None:
        raise ValueError("certificate not issued by a demo CA")
    when = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    path = pki_dir / "revoked.json"
    with open(pki_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text() or "{}") if path.exists() else {}
        data.setdefault(ca_id, {})[format(cert.serial_number, "x")] = {"time": when.isoformat(), "reason": reason}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, path)
    return Revocation(cert.serial_number, when, reason)


def load_roots(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    """Trust roots from PEM files (each may hold several certificates)."""
    roots: list[x509.Certificate] = []
    for path in paths:
        roots.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return roots
