"""Flask extensions, created once and bound in the app factory; the shared sign-in throttle keys."""
from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

ADDRESS_LIMITED = "Bạn đã thử đăng nhập quá nhiều lần từ địa chỉ này. Vui lòng thử lại sau ít phút."


def login_address_key() -> str:
    """Every sign-in attempt from one address counts here, whatever username it tries (spraying);
    the sign-in form and the API token endpoint share this counter."""
    return f"login-address|{request.remote_addr}"


def address_limit() -> str:
    return str(current_app.config["KHD_SETTINGS"].login_address_limit)


def check_route_limits_only(app: Flask, rate_limiter: Limiter) -> None:
    """Flask-Limiter checks application-wide, default and blueprint limits in a hook before every
    request, and a route's own limits in that route's decorator. With no limit of the first kinds
    (this app limits sign-in, tokens, public verification and acknowledgements, each on its route)
    the hook finds nothing on every request, for ~0.2 ms of the document list's ~3.5: drop it then.
    Call once every blueprint is registered and every limit declared."""
    manager = rate_limiter.limit_manager
    with app.app_context():  # limits given as callables read the app's settings
        wide = bool(manager.application_limits or manager.default_limits
                    or any(manager.blueprint_limits(app, name) for name in app.blueprints))
    if not wide:
        app.before_request_funcs[None].remove(rate_limiter._check_request_limit)
