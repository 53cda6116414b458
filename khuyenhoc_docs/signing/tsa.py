"""Timestamping: a demo TSA (pyHanko's DummyTimeStamper with a cached key)
and an RFC 3161 HTTP client for a real, configured TSA.

The demo TSA signs with a certificate issued under the deployment's demo CA
(created in the data dir, never shipped in the source); its timestamps are
labelled demo. Production deployments configure a real TSA URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from . import SigningError
from .pki import CertKey, to_asn1_cert
from .sessions import SharedTlsTimeStamper

DEMO_LABEL = "DEMO TSA - không dùng cho văn bản thật"

class DemoTimeStamper(DummyTimeStamper):
    """In-process TSA for demos and tests.

    ``tsa`` must carry EKU timeStamping (critical) and an RSA key (pyHanko's
    dummy TSA signs with PKCS#1 v1.5). Unlike DummyTimeStamper, the parsed key is kept: the
    parent re-parses the RSA key (with its slow consistency check) for every
    token."""

    label = DEMO_LABEL

    def __init__(
        self,
        tsa: CertKey,
        chain: Sequence[x509.Certificate | asn1_x509.Certificate] = (),
        *,
        fixed_dt: datetime | None = None,
    ) -> None:
        if not isinstance(tsa.key, rsa.RSAPrivateKey):
            raise SigningError(code="demo_tsa_key_not_rsa",
                               detail="demo TSA key must be RSA")
        kinfo = asn1_keys.PrivateKeyInfo.load(
            tsa.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        )
        super().__init__(
            tsa_cert=tsa.asn1_cert,
            tsa_key=kinfo,
            certs_to_embed=[to_asn1_cert(c) for c in chain],  # type: ignore[arg-type]
            fixed_dt=fixed_dt,
        )
        self._pyca_key = tsa.key

    # Same as DummyTimeStamper._sign_tst_info (pyHanko 0.38) except for the
    # cached key; covered by the B-T tests, which validate the token.
    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate",
                                     general.as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        signature = self._pyca_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def http_timestamper(
    url: str, *, timeout: float = 10.0, auth: tuple[str, str] | None = None,
    https_only: bool = False,
) -> TimeStamper:
    """RFC 3161 client (pyHanko's aiohttp client) for a configured TSA URL,
    e.g. a national CA's TSA; ``auth`` is HTTP basic (user, password)."""
    if not url.startswith(("http://", "https://")):
        raise SigningError(code="tsa_url_invalid", detail=url)
    return SharedTlsTimeStamper(url, https=https_only, timeout=timeout, auth=auth)
