"""Flask extensions, created once and bound in the app factory; the shared sign-in throttle keys."""
from flask import current_app, request
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
