"""Security headers on every answer and the HTTPS redirect behind ``KHD_FORCE_HTTPS``.

The same headers Flask-Talisman set with this app's options, computed once: Talisman merged its
options and re-rendered the policy on every request (~0.15 ms of the document list's ~3.5), for a
policy that never changes here (no per-view options, no nonces)."""
from __future__ import annotations

from flask import Flask, Response, redirect, request
from werkzeug.wrappers import Response as BaseResponse

CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'self'",
    "frame-ancestors": "'self'",
}
HEADERS = (
    ("Permissions-Policy", "browsing-topics=()"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "; ".join(f"{name} {value}" for name, value in CSP.items())),
    ("Referrer-Policy", "same-origin"),
)
HSTS = "max-age=31556926; includeSubDomains"  # a year


def _over_https() -> bool:
    # X-Forwarded-Proto is the proxy's word; a client forging it only escapes its own redirect.
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"


def _set_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in HEADERS:
        headers[name] = value
    return response


def _set_headers_and_hsts(response: Response) -> Response:
    _set_headers(response)
    if _over_https():
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask, *, force_https: bool) -> None:
    """Set the headers on every answer; with ``force_https``, redirect plain HTTP to HTTPS (302) and
    tell browsers over HTTPS to stay there (HSTS). The debug server is left on plain HTTP."""
    if not force_https:
        app.after_request(_set_headers)
        return

    def _redirect_to_https() -> BaseResponse | None:
        if app.debug or _over_https() or not request.url.startswith("http://"):
            return None
        return redirect("https://" + request.url[len("http://"):], code=302)

    app.before_request(_redirect_to_https)
    app.after_request(_set_headers_and_hsts)
