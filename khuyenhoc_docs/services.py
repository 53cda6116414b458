"""Composition root of the domain core: builds the object store, converter and signing setup
from settings. Plain Python; the web layer and the CLI each hold one ``Services``."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings, ensure_secret_key
from .conversion.base import Converter, OneShotOptions, UnoserverOptions
from .distribution.mailer import MailOptions, OutgoingMail
from .pkcs11_allow import allow_pkcs11_modules
from .storage import open_store
from .storage.base import LocalStoreOptions, ObjectStore, S3StoreOptions, StoreError

if TYPE_CHECKING:
    # The signing stack (pyHanko, cryptography) is imported by the members that use it, so a
    # web worker that never signs or validates does not carry it (issue 16).
    from cryptography import x509
    from pyhanko.sign.timestamps import TimeStamper
    from pyhanko_certvalidator import ValidationContext

    from .edxml.identity import Identity
    from .edxml.transport import TransportOptions
    from .pki_store import DemoPki

log = logging.getLogger(__name__)


def local_store_options(s: Settings) -> LocalStoreOptions:
    """The local folder store under the data directory."""
    return LocalStoreOptions(root=s.objects_dir)


def s3_store_options(s: Settings) -> S3StoreOptions:
    """The MinIO (S3) store of the KHD_S3_* settings."""
    return S3StoreOptions(endpoint=s.s3_endpoint, access_key=s.s3_access_key, secret_key=s.s3_secret_key,
                          bucket=s.s3_bucket, secure=s.s3_secure)

if TYPE_CHECKING:
    from .secretbox import SecretBox
    from .signing.validation import ValidationReport


@dataclass(frozen=True)
class Retention:
    """How long signed records stay locked (COMPLIANCE mode)."""

    years: int


class Services:
    """Lazily built collaborators; safe to share between threads of one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        allow_pkcs11_modules(settings.pkcs11_modules)

    @cached_property
    def store(self) -> ObjectStore:
        s = self.settings
        store = open_store(s3_store_options(s) if s.s3_endpoint else local_store_options(s))
        try:
            store.ensure_ready()
        except StoreError as exc:
            # Start anyway: /health reports the store, and each request that needs it answers 503.
            log.warning("object store not ready at start-up: %s", exc)
        return store

    @cached_property
    def converter(self) -> Converter:
        from .conversion.oneshot import OneShotConverter
        from .conversion.unoserver import UnoserverConverter

        s = self.settings
        oneshot = OneShotOptions(soffice=s.soffice, timeout=s.converter_timeout)
        if s.converter_endpoints:
            return UnoserverConverter(
                UnoserverOptions(endpoints=s.converter_endpoints, timeout=s.converter_timeout, fallback=oneshot)
            )
        return OneShotConverter(oneshot)

    @cached_property
    def demo_pki(self) -> DemoPki:
        from .pki_store import ensure_demo_pki

        return ensure_demo_pki(self.settings.pki_dir, self.settings.pki_url)

    @cached_property
    def trust_roots(self) -> list[x509.Certificate]:
        """Configured roots, or both demo hierarchies when none are configured."""
        if self.settings.trust_roots:
            from .pki_store import load_roots

            return load_roots(self.settings.trust_roots)
        return self.demo_pki.roots

    @cached_property
    def timestamper(self) -> TimeStamper:
        """The configured RFC 3161 TSA, or the demo PKI server's TSA."""
        from .signing.tsa import http_timestamper

        return http_timestamper(self.settings.tsa_url or f"{self.demo_pki.base_url}/tsa")

    @cached_property
    def archive_timestamper(self) -> TimeStamper:
        """TSA for archive refreshes (B-LTA): its own URL, the signing TSA, or the demo archive TSA."""
        from .signing.tsa import http_timestamper

        s = self.settings
        return http_timestamper(s.archive_tsa_url or s.tsa_url or f"{self.demo_pki.base_url}/tsa/archive")

    def lt_context(self) -> ValidationContext:
        """A fresh context for embedding validation data (B-LT); one per signing operation."""
        from .signing.ltv import lt_validation_context

        return lt_validation_context(self.trust_roots)

    def validate(self, pdf: bytes, *, at: datetime | None = None) -> ValidationReport:
        """Validate against the configured roots, with the configured revocation checking."""
        from .signing.validation import validate_pdf

        return validate_pdf(pdf, trust_roots=self.trust_roots, at=at, online=self.settings.revocation_online)

    @cached_property
    def exchange_identity(self) -> Identity:
        """The system's edXML identity (signs status messages): configured PKCS#12 or demo-issued."""
        import hashlib

        from .edxml.identity import ensure_demo_identity, load_identity

        s = self.settings
        if s.edxml_key_file:
            return load_identity(Path(s.edxml_key_file).read_bytes(), s.edxml_key_passphrase)
        secret = hashlib.sha256(b"khd-edxml|" + ensure_secret_key(s).encode()).hexdigest()
        return ensure_demo_identity(s.pki_dir / "edxml-system.p12", self.demo_pki.ca, secret,
                                    "Hệ thống văn bản khuyenhoc_docs (demo)")

    @property
    def transport_options(self) -> TransportOptions:
        from .edxml.transport import TransportOptions

        s = self.settings
        return TransportOptions(endpoint=s.edxml_endpoint, token=s.edxml_token, outbox=s.edxml_dir / "outbox")

    @cached_property
    def link_secret(self) -> bytes:
        """Key for acknowledgement links, derived from the app secret (never the secret itself)."""
        import hashlib

        return hashlib.sha256(b"khd-ack-links|" + ensure_secret_key(self.settings).encode()).digest()

    @cached_property
    def secret_box(self) -> SecretBox:
        """Encrypts stored credential secrets with a key derived from the app secret."""
        from .secretbox import SecretBox

        return SecretBox(ensure_secret_key(self.settings))

    @property
    def mail_options(self) -> MailOptions:
        s = self.settings
        # Without an SMTP host the options only build messages for the outbox.
        return MailOptions(host=s.smtp_host or "localhost", port=s.smtp_port, mail_from=s.mail_from,
                           timeout=s.smtp_timeout)

    @property
    def outbox_dir(self) -> Path:
        return self.settings.data_dir / "outbox"

    @property
    def uses_outbox(self) -> bool:
        """No SMTP server configured: mail goes to the local outbox ("Hộp thư đi")."""
        return not self.settings.smtp_host

    def send_mail(self, mail: OutgoingMail, *, message_id: str | None = None) -> str:
        """Send by SMTP, or write to the local outbox when no SMTP host is set; returns the Message-ID.

        Raises ``InvalidRecipient`` or ``MailDeliveryFailed`` as ``mailer.send_mail`` does.
        """
        from .distribution import outbox
        from .distribution.mailer import send_mail

        if self.uses_outbox:
            return outbox.write(self.outbox_dir, self.mail_options, mail, message_id=message_id)
        return send_mail(self.mail_options, mail, message_id=message_id)

    @property
    def retention(self) -> Retention:
        return Retention(years=self.settings.retention_years)

    @property
    def templates_dir(self) -> Path:
        return self.settings.templates_dir
