"""Settings: the only module that reads the environment (prefix ``KHD_``)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PREFIX = "KHD_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _endpoints(value: str) -> tuple[tuple[str, int], ...]:
    out = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        host, _, port = item.rpartition(":")
        out.append((host or "127.0.0.1", int(port)))
    return tuple(out)


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service; built from the environment, overridable in tests."""

    data_dir: Path = PROJECT_ROOT / "storage"
    database_url: str = ""  # empty: SQLite file in data_dir
    secret_key: str = ""  # empty: generated once and kept in data_dir
    templates_dir: Path = PROJECT_ROOT / "templates"
    # Object store: local folder unless an S3 endpoint is configured.
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "khuyenhoc-docs"
    s3_secure: bool = False
    retention_years: int = 10
    # Converter: unoserver endpoints "host:port,host:port"; empty means one-shot soffice only.
    converter_endpoints: tuple[tuple[str, int], ...] = ()
    converter_timeout: float = 60.0
    converter_instances: int = 1
    converter_base_port: int = 2003
    soffice: str = "soffice"
    # Signing.
    trust_roots: tuple[Path, ...] = ()  # empty: the demo CA in data_dir
    tsa_url: str = ""  # empty: the local demo TSA
    # Mail.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    mail_from: str = "vanthu@khuyenhoc.local"
    smtp_timeout: float = 10.0
    base_url: str = "http://127.0.0.1:5000"  # used in links sent by email
    redis_url: str = ""  # empty: background jobs in a SQLite file in the data dir
    jobs_immediate: bool = False  # run background jobs inline (tests)
    reminder_days: int = 7  # yearly-report reminders this many days before the deadline
    # Backups: passphrase that encrypts the data-dir secrets (``backup create|restore|verify``).
    backup_passphrase: str = field(default="", repr=False)
    # Web.
    secure_cookies: bool = False
    force_https: bool = False
    ratelimit_storage: str = "memory://"
    login_limit: str = "10 per minute"
    token_ttl_minutes: int = 60
    max_upload_mb: int = 25
    demo_password: str = "khuyenhoc-demo"
    org_place: str = "Bến Tre"
    testing: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'khuyenhoc.sqlite3'}"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> "Settings":
        """Copy with the given fields replaced; unknown keys go to ``extra``."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        direct = {k: v for k, v in overrides.items() if k in known}
        extra = {k: v for k, v in overrides.items() if k not in known}
        if "data_dir" in direct:
            direct["data_dir"] = Path(direct["data_dir"])
        return replace(self, **direct, extra={**self.extra, **extra})


_PARSERS: dict[str, Any] = {
    "data_dir": Path,
    "templates_dir": Path,
    "s3_secure": _bool,
    "secure_cookies": _bool,
    "force_https": _bool,
    "retention_years": int,
    "converter_endpoints": _endpoints,
    "converter_timeout": float,
    "converter_instances": int,
    "converter_base_port": int,
    "trust_roots": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "smtp_port": int,
    "smtp_timeout": float,
    "jobs_immediate": _bool,
    "reminder_days": int,
    "token_ttl_minutes": int,
    "max_upload_mb": int,
    "testing": _bool,
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``KHD_*`` variables (and ``PORT`` is left to the runner)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        raw = env.get(PREFIX + f.name.upper())
        if raw is None or raw == "":
            continue
        values[f.name] = _PARSERS.get(f.name, str)(raw)
    return Settings(**values)


def ensure_secret_key(settings: Settings) -> str:
    """Return the configured secret key or one generated once and kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write then hard-link: two processes starting at once agree on one complete key.
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def env_flag(name: str) -> str | None:
    """Read one ``KHD_`` variable that is not a setting (runner scripts only)."""
    return os.environ.get(PREFIX + name)
