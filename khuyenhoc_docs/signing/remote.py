"""Clients of the two remote signing service shapes (see shared/reference/remote-signing.md).

* CSC API v1 (e.g. Viettel MySign): auth/login → credentials/info (pyHanko's
  ``fetch_certs_in_csc_credential``) → credentials/authorize with PIN/OTP (a
  ``CSCAuthorizationManager``) → signatures/signHash through pyHanko's ``CSCSigner`` (several
  hashes in one call, as many as one SAD allows).
* Confirm-in-app (e.g. VNPT SmartCA): get_certificate → sign (hashes + transaction id + a
  description shown in the app) → the signer confirms or rejects on the phone → status polling.

Pure domain code: settings come in as ``RemoteEndpoint``; every failure becomes a SigningError
subclass with a Vietnamese reason (never a bare HTTP exception)."""
from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

import aiohttp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    PrefetchedSADAuthorizationManager,
    fetch_certs_in_csc_credential,
)

from . import SigningError, WrongPin


class ProviderUnreachable(SigningError):
    code = "provider_unreachable"


class ProviderRefused(SigningError):
    code = "provider_refused"


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where and as whom to call a service; ``account``: CSC credential id / provider user id."""

    url: str
    client_id: str
    client_secret: str
    account: str
    timeout: float = 20.0


def _unreachable(exc: BaseException, timeout: float, timed_out: bool = False) -> ProviderUnreachable:
    if timed_out or isinstance(exc, asyncio.TimeoutError):
        return ProviderUnreachable(code="provider_timeout", params={"timeout": timeout}, detail=repr(exc))
    return ProviderUnreachable(detail=repr(exc))


# --- CSC API v1 ---------------------------------------------------------------------------------

class PinAuthorizationManager(CSCAuthorizationManager):
    """credentials/authorize with the PIN/OTP the chair typed; hashes pinned (works for SCAL 1 and 2)."""

    def __init__(self, session: aiohttp.ClientSession, info: CSCServiceSessionInfo, cred: CSCCredentialInfo,
                 pin: str | None, otp: str | None, description: str, timeout: float) -> None:
        super().__init__(info, cred)
        self.session, self.pin, self.otp, self.description, self.timeout = session, pin, otp, description, timeout

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(pin=self.pin or None, otp=self.otp or None, hash_b64s=hash_b64s,
                                            description=self.description[:500])
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        async with self.session.post(url, json=body, headers=self.auth_headers,
                                     timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                error = str((data or {}).get("error", ""))
                if error in ("invalid_pin", "invalid_otp") or "PIN" in str((data or {}).get("error_description", "")):
                    raise WrongPin(code="remote_pin_wrong", detail=error)
                raise ProviderRefused(detail=f"authorize {resp.status} {error}")
        return self.parse_csc_auth_response(data)


@dataclass(frozen=True)
class CscAuthorization:
    """SAD tokens for the hashes of one request (one token per ``multisign`` hashes)."""

    sads: tuple[str, ...]
    batch: int


class CscClient:
    """CSC API v1 through pyHanko's csc_signer (aiohttp)."""

    def __init__(self, endpoint: RemoteEndpoint) -> None:
        self.endpoint = endpoint

    async def _login(self, session: aiohttp.ClientSession) -> CSCServiceSessionInfo:
        ep = self.endpoint
        base = CSCServiceSessionInfo(service_url=ep.url.rstrip("/"), credential_id=ep.account)
        headers = {"Authorization": aiohttp.encode_basic_auth(ep.client_id, ep.client_secret)}
        async with session.post(base.endpoint_url("auth/login"), json={"rememberMe": False}, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=ep.timeout)) as resp:
            if resp.status in (401, 403):
                raise ProviderRefused(code="provider_client_refused",
                                      detail=f"auth/login {resp.status}")
            resp.raise_for_status()
            token = (await resp.json(content_type=None))["access_token"]
        return CSCServiceSessionInfo(service_url=base.service_url, credential_id=ep.account, oauth_token=token)

    async def _run(self, coro_fn) -> Any:
        try:
            async with aiohttp.ClientSession() as session:
                info = await self._login(session)
                return await coro_fn(session, info)
        except SigningError:
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise _unreachable(exc, self.endpoint.timeout) from exc
        except (PyHankoSigningError, KeyError, ValueError, TypeError) as exc:
            cause = exc.__cause__
            if isinstance(cause, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
                raise _unreachable(cause, self.endpoint.timeout) from exc
            raise ProviderRefused(code="provider_not_csc", detail=repr(exc)) from exc

    def certificates(self) -> CSCCredentialInfo:
        """credentials/info: the signer's certificate (first) and its chain."""
        async def go(session, info):
            return await fetch_certs_in_csc_credential(session, info, timeout=int(self.endpoint.timeout))
        return asyncio.run(self._run(go))

    def authorize(self, hashes: list[bytes], *, pin: str, otp: str, description: str) -> CscAuthorization:
        """One credentials/authorize per ``multisign`` hashes (the PIN/OTP the chair typed once)."""
        async def go(session, info):
            cred = await fetch_certs_in_csc_credential(session, info, timeout=int(self.endpoint.timeout))
            batch = max(1, cred.max_batch_size)
            manager = PinAuthorizationManager(session, info, cred, pin, otp, description, self.endpoint.timeout)
            b64 = [base64.b64encode(h).decode() for h in hashes]
            sads = [(await manager.authorize_signature(b64[i:i + batch])).sad for i in range(0, len(b64), batch)]
            return CscAuthorization(tuple(sads), batch)
        return asyncio.run(self._run(go))

    def sign(self, tbs_list: list[bytes], auth: CscAuthorization, md_algorithm: str = "sha256") -> list[bytes]:
        """signatures/signHash through ``CSCSigner``: each SAD's hashes in one call."""
        async def go(session, info):
            cred = await fetch_certs_in_csc_credential(session, info, timeout=int(self.endpoint.timeout))
            out: list[bytes] = []
            for n, sad in enumerate(auth.sads):
                chunk = tbs_list[n * auth.batch:(n + 1) * auth.batch]
                manager = PrefetchedSADAuthorizationManager(info, cred, CSCAuthorizationInfo(sad=sad))
                signer = CSCSigner(session, manager, sign_timeout=int(self.endpoint.timeout),
                                   batch_size=len(chunk), batch_autocommit=True)
                out.extend(await asyncio.gather(*(signer.async_sign_raw(t, md_algorithm) for t in chunk)))
            return out
        return asyncio.run(self._run(go))


# --- confirm-in-app ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransactionStatus:
    state: str  # pending | confirmed | rejected | expired
    signatures: dict[str, bytes]  # doc_id → raw signature
    message: str = ""


class AsyncConfirmClient:
    """get_certificate / sign / status of a confirm-in-app service (JSON over HTTPS)."""

    def __init__(self, endpoint: RemoteEndpoint) -> None:
        self.endpoint = endpoint

    def _post(self, path: str, body: dict) -> dict:
        ep = self.endpoint
        payload = {"sp_id": ep.client_id, "sp_password": ep.client_secret, "user_id": ep.account, **body}
        # imported here: requests and urllib3 (~4 MB) stay out of workers that only sign with local keys
        import requests

        try:
            resp = requests.post(f"{ep.url.rstrip('/')}/{path}", json=payload, timeout=ep.timeout)
        except requests.RequestException as exc:
            raise _unreachable(exc, ep.timeout, isinstance(exc, requests.Timeout)) from exc
        try:
            data = resp.json()
        except ValueError:
            data = {}
        if resp.status_code in (401, 403):
            raise ProviderRefused(code="provider_client_refused",
                                  detail=f"{path} {resp.status_code}")
        if resp.status_code == 404 and path.endswith("get_certificate"):
            raise ProviderRefused(code="provider_no_account",
                                  detail="unknown user")
        if resp.status_code >= 400 or not isinstance(data, dict):
            raise ProviderRefused(detail=f"{path} {resp.status_code} {str(data)[:200]}")
        return data

    def certificates(self) -> list[asn1_x509.Certificate]:
        """The signer's certificate first, then its chain."""
        data = self._post("v1/credentials/get_certificate", {})
        try:
            item = data["data"]["user_certificates"][0]
            return [asn1_x509.Certificate.load(base64.b64decode(c))
                    for c in [item["cert_data"], *item.get("chain_data", [])]]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ProviderRefused(code="provider_no_certificate", detail=repr(exc)) from exc

    def sign(self, transaction_id: str, description: str, files: list[tuple[str, bytes]]) -> str:
        """Send the hashes (doc id, hash); returns the transaction code the phone shows."""
        body = {"transaction_id": transaction_id, "transaction_desc": description[:500],
                "sign_files": [{"data_to_be_signed": h.hex(), "doc_id": doc_id, "file_type": "pdf",
                                "sign_type": "hash"} for doc_id, h in files]}
        data = self._post("v1/signatures/sign", body)
        try:
            return str(data["data"]["tran_code"])
        except (KeyError, TypeError) as exc:
            raise ProviderRefused(detail=f"no tran_code: {str(data)[:200]}") from exc

    def status(self, transaction_id: str) -> TransactionStatus:
        data = self._post(f"v1/signatures/sign/{transaction_id}/status", {})
        try:
            state = str(data["data"]["status"])
            sigs = {str(s["doc_id"]): base64.b64decode(s["signature_value"])
                    for s in data["data"].get("signatures") or []}
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderRefused(detail=f"bad status answer: {str(data)[:200]}") from exc
        if state not in ("pending", "confirmed", "rejected", "expired"):
            raise ProviderRefused(detail=f"unknown state {state!r}")
        return TransactionStatus(state, sigs, str(data.get("message", "")))
