"""HTTP sessions for the TSA and for fetching OCSP/CRL while signing, with one TLS context per process.

pyHanko's default aiohttp session builds a fresh TLS context from certifi's bundle for every
operation (~45 ms of CPU each, ten times per issuance), although nothing in it changes. A session
is still opened and closed per operation: each synchronous pyHanko call runs its own event loop,
and an aiohttp session cannot outlive the loop that opened it.
"""
from __future__ import annotations

import ssl
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator.fetchers import OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """The process's client TLS context: certifi's roots, as pyHanko's default (built once)."""
    global _context
    with _lock:
        if _context is None:
            import certifi

            _context = ssl.create_default_context(cafile=certifi.where())
        return _context


class SharedTlsSession(LazySession):
    """pyHanko's lazy session (opened on first use, dropped on close) on the shared TLS context."""

    def get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls_context()))
        return self._session


def fetcher_backend() -> OwnedFetcherBackend:
    """A fetcher backend the validation context owns: pyHanko closes its session when the
    signing operation ends, inside the event loop that opened it."""
    # typed ClientSession only, but the backend takes a LazySession as its own default is one
    return OwnedFetcherBackend(AIOHttpFetcherBackend(session=SharedTlsSession()))  # type: ignore[arg-type]


class SharedTlsTimeStamper(HTTPTimeStamper):
    """pyHanko's RFC 3161 client, each request on a session over the shared TLS context."""

    @asynccontextmanager
    async def _acquire_session(self) -> AsyncIterator[Any]:
        # Same lifetime as pyHanko's own (one session per request, closed in its loop); only the
        # TLS context is shared. A session given by the caller is used as pyHanko would.
        if self._session is not None:
            async with super()._acquire_session() as session:
                yield session
            return
        own = SharedTlsSession()
        try:
            yield own.get_session()
        finally:
            await own.close()
