"""Warm DOCX→PDF conversion through one or more unoserver instances (client side).

This speaks unoserver's XML-RPC API (version 3) directly with the same arguments as
`unoserver.client.UnoClient.convert`, rather than through UnoClient itself, because
UnoClient (3.7) cannot serve a pool: it has no timeout, it retries a refused connection
5 times with 10 s sleeps (50 s before we could try the next endpoint), and it makes an
extra `info()` round trip per conversion. The client side needs no `uno` module.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import xmlrpc.client
from typing import Any

from unoserver.client import API_VERSION

from .base import (
    DOCX_IMPORT_FILTER,
    ConversionError,
    ConversionTimeout,
    ConverterUnavailable,
    InvalidDocument,
    UnoserverOptions,
    check_pdf,
    validate_docx,
)
from .oneshot import OneShotConverter

logger = logging.getLogger(__name__)

Endpoint = tuple[str, int]

#: Probe timeout for check(): an instance that accepts the connection but does not answer
#: within it is converting (it serialises requests) and is counted as alive.
CHECK_TIMEOUT = 5.0


class EndpointDown(Exception):
    """Nothing accepted the connection: safe to retry elsewhere, nothing was sent."""


class _ConnectTimeout(Exception):
    """The TCP connect itself timed out."""


class _Transport(xmlrpc.client.Transport):
    """XML-RPC transport that connects eagerly, so a refused connect is told apart
    from a failure after the request was sent, and that enforces a read timeout."""

    def __init__(self, connect_timeout: float, timeout: float) -> None:
        super().__init__()
        self._connect_timeout = connect_timeout
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        if conn.sock is None:
            conn.timeout = self._connect_timeout
            try:
                conn.connect()
            except TimeoutError as exc:
                raise _ConnectTimeout(str(exc)) from exc
            except OSError as exc:
                raise EndpointDown(str(exc) or type(exc).__name__) from exc
            assert conn.sock is not None
            conn.sock.settimeout(self._timeout)
        return conn


def rpc(endpoint: Endpoint, method: str, *params: Any, timeout: float, connect_timeout: float) -> Any:
    """Call `method` on a unoserver endpoint with a connect and a total read timeout.

    Raises EndpointDown when the connection is refused (or the connect times out).
    """
    host, port = endpoint
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    transport = _Transport(min(connect_timeout, timeout), timeout)
    proxy = xmlrpc.client.ServerProxy(f"http://{netloc}", transport=transport, allow_none=True)
    try:
        return getattr(proxy, method)(*params)
    except _ConnectTimeout as exc:
        raise EndpointDown(f"connect timed out: {exc}") from exc
    finally:
        transport.close()


def convert_params(docx: bytes, *, update_index: bool = True) -> tuple[Any, ...]:
    """Positional arguments of unoserver's XML-RPC `convert` for DOCX bytes → PDF bytes."""
    # inpath, indata, outpath, convert_to, filtername, filter_options, update_index,
    # infiltername, password. The import filter is forced: see DOCX_IMPORT_FILTER.
    return (None, xmlrpc.client.Binary(docx), None, "pdf", None, [], update_index, DOCX_IMPORT_FILTER, None)


def _fault_to_error(fault: xmlrpc.client.Fault, endpoint: Endpoint) -> ConversionError:
    message = fault.faultString
    if "Could not load document" in message:
        return InvalidDocument(f"LibreOffice could not load the document as DOCX ({message})")
    if "TimeoutError" in message:  # unoserver's own --conversion-timeout fired
        return ConversionTimeout(f"unoserver {endpoint[0]}:{endpoint[1]} timed out: {message}")
    return ConversionError(f"unoserver {endpoint[0]}:{endpoint[1]} failed: {message}")


class UnoserverConverter:
    """Converts through a pool of unoserver endpoints, falling back to one-shot.

    Endpoint choice: round robin, preferring endpoints with fewer requests in flight from
    this process and demoting ones that recently refused a connection. A refused
    connection moves on to the next endpoint; a connection lost mid-request (instance
    died) is retried once elsewhere. Thread-safe; each call uses its own connection, and
    several processes may share the endpoints (each instance serialises its requests).
    """

    def __init__(self, options: UnoserverOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._next = 0
        count = len(options.endpoints)
        self._in_flight = [0] * count
        self._down_until = [0.0] * count
        self._fallback = OneShotConverter(options.fallback) if options.fallback else None
        self.fallbacks = 0  #: conversions served by the one-shot fallback (for metrics/tests)

    def __repr__(self) -> str:
        return f"UnoserverConverter(endpoints={self.options.endpoints!r})"

    def _order(self) -> list[int]:
        count = len(self.options.endpoints)
        with self._lock:
            start = self._next
            self._next = (start + 1) % max(count, 1)
            now = time.monotonic()
            order = [(start + offset) % count for offset in range(count)]
            order.sort(key=lambda i: (self._down_until[i] > now, self._in_flight[i]))
            return order

    def _track(self, index: int, delta: int) -> None:
        with self._lock:
            self._in_flight[index] += delta

    def _mark_down(self, index: int) -> None:
        with self._lock:
            self._down_until[index] = time.monotonic() + self.options.down_penalty

    def convert(self, docx: bytes, *, timeout: float | None = None) -> bytes:
        """Convert DOCX bytes to PDF bytes on a warm LibreOffice (~0.15 s)."""
        validate_docx(docx)
        from .lean import lean_docx  # imports lxml: at the first conversion, not with the app (issue 16)

        # What LibreOffice loads: unused styles pruned, indexes updated only if the document has one.
        lean, update_index = lean_docx(bytes(docx))
        limit = self.options.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        failures: list[str] = []
        retried_lost = False
        for index in self._order():
            endpoint = self.options.endpoints[index]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._track(index, +1)
            try:
                result = rpc(
                    endpoint,
                    "convert",
                    *convert_params(lean, update_index=update_index),
                    timeout=remaining,
                    connect_timeout=self.options.connect_timeout,
                )
            except EndpointDown as exc:
                if time.monotonic() < deadline:  # not just our own deadline running out
                    self._mark_down(index)
                failures.append(f"{endpoint[0]}:{endpoint[1]} {exc}")
                logger.info("unoserver %s:%s unreachable (%s), trying the next", *endpoint, exc)
                continue
            except TimeoutError:
                raise ConversionTimeout(
                    f"unoserver {endpoint[0]}:{endpoint[1]} did not convert the document "
                    f"within {limit:.3g} s"
                ) from None
            except xmlrpc.client.Fault as fault:
                raise _fault_to_error(fault, endpoint) from None
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as exc:
                # The instance went away mid-request. It may have been this document that
                # crashed it, so only one other instance gets a go.
                self._mark_down(index)
                failures.append(f"{endpoint[0]}:{endpoint[1]} lost: {exc!r}")
                if retried_lost:
                    raise ConversionError(f"unoserver connections lost: {'; '.join(failures)}") from exc
                retried_lost = True
                logger.warning("unoserver %s:%s lost mid-conversion (%r), retrying once", *endpoint, exc)
                continue
            finally:
                self._track(index, -1)
            return check_pdf(result.data, f"unoserver {endpoint[0]}:{endpoint[1]}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ConversionTimeout(f"no unoserver converted the document within {limit:.3g} s")
        if self._fallback is not None:
            logger.warning(
                "no unoserver endpoint answered (%s); converting with one-shot LibreOffice",
                "; ".join(failures) or "none configured",
            )
            with self._lock:
                self.fallbacks += 1
            return self._fallback.convert(docx, timeout=remaining)
        raise ConverterUnavailable(
            f"no unoserver endpoint answered ({'; '.join(failures) or 'none configured'}) "
            "and no fallback is configured"
        )

    def check(self) -> None:
        """Pass if some endpoint speaks unoserver API 3 (or the fallback is usable)."""
        problems: list[str] = []
        for endpoint in self.options.endpoints:
            try:
                info = rpc(
                    endpoint,
                    "info",
                    timeout=CHECK_TIMEOUT,
                    connect_timeout=self.options.connect_timeout,
                )
            except TimeoutError:
                logger.info("unoserver %s:%s is busy; counting it as alive", *endpoint)
                return
            except (EndpointDown, OSError, http.client.HTTPException, xmlrpc.client.Error) as exc:
                problems.append(f"{endpoint[0]}:{endpoint[1]} {exc}")
                continue
            if info.get("api") != API_VERSION:
                problems.append(f"{endpoint[0]}:{endpoint[1]} speaks API {info.get('api')!r}, not {API_VERSION}")
                continue
            return
        if self._fallback is not None:
            self._fallback.check()
            logger.warning("no unoserver endpoint usable (%s); one-shot fallback only", "; ".join(problems))
            return
        raise ConverterUnavailable(
            f"no unoserver endpoint usable ({'; '.join(problems) or 'none configured'})"
        )
