"""POST /api/v1/auth/token and GET /api/v1/me."""
from __future__ import annotations

from datetime import timedelta

from apiflask import Schema
from apiflask.fields import DateTime, List, String
from apiflask.validators import Length
from flask import current_app, request

from ...workflow import signin
from ..context import actor, db, principal, signed_in
from ..errors import respond
from ..extensions import ADDRESS_LIMITED, address_limit, limiter, login_address_key
from . import bp


class TokenIn(Schema):
    username = String(required=True, validate=Length(1, 64))
    password = String(required=True, validate=Length(1, 256))


class TokenOut(Schema):
    token = String()
    token_type = String()
    expires_at = DateTime()


class MeOut(Schema):
    username = String()
    full_name = String()
    organisation = String()
    roles = List(String())


def _token_limit() -> str:
    return current_app.config["KHD_SETTINGS"].login_limit


def _token_key() -> str:
    body = request.get_json(silent=True) or {}
    name = body.get("username") if isinstance(body, dict) else ""
    return f"{request.remote_addr}|{str(name or '')[:64].lower()}"


@bp.post("/auth/token", endpoint="issue_token")
@limiter.limit(_token_limit, key_func=_token_key,
               error_message="Bạn đã thử đăng nhập quá nhiều lần. Vui lòng thử lại sau ít phút.")
# The same per-address counter as the sign-in form: spraying through both counts once.
@limiter.shared_limit(address_limit, scope="login-address", key_func=login_address_key,
               error_message=ADDRESS_LIMITED)
@bp.input(TokenIn, arg_name="body")
@bp.output(TokenOut, status_code=201)
@bp.doc(summary="Đổi tên đăng nhập + mật khẩu lấy mã truy cập (Bearer)")
def issue_token_view(body):
    ttl = timedelta(minutes=current_app.config["KHD_SETTINGS"].token_ttl_minutes)
    issued = signin.api_token(db(), request.remote_addr or "", body["username"], body["password"], ttl)
    if issued is None:
        return respond(401, "Tên đăng nhập hoặc mật khẩu không đúng.")
    token, expires = issued
    return {"token": token, "token_type": "Bearer", "expires_at": expires}


@bp.delete("/auth/token", endpoint="revoke_token")
@bp.output({}, status_code=204)
@bp.doc(summary="Thu hồi mã truy cập đang dùng (đăng xuất khỏi API)", security="BearerAuth")
def revoke_token_view():
    # The before_request hook has already checked this token; revoking it ends it at once.
    signed_in()
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    signin.revoke_api_token(db(), actor(), token.strip())
    return ""


@bp.get("/me")
@bp.output(MeOut)
@bp.doc(summary="Người dùng hiện tại", security="BearerAuth")
def me():
    p = principal()
    assert p is not None
    return {"username": p.user.username, "full_name": p.user.full_name,
            "organisation": p.user.organisation.name, "roles": sorted(p.user.roles)}
