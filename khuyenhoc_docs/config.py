"""Settings: the only module that reads the environment (prefix ``KHD_``).

Every ``KHD_<NAME>`` variable is a field of ``Settings``: registering a new variable is adding one
field line (its type says how it is parsed; only unusual formats need a ``_PARSERS`` entry).
Start-up stops with ``ConfigError`` naming the variable when a value does not parse (``true``,
not ``ture``) or when a ``KHD_*`` variable is not a setting at all (a typo would otherwise be
ignored silently).
"""
from __future__ import annotations

import os
import re
import secrets
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PREFIX = "KHD_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A ``KHD_*`` variable is unknown or its value does not parse; the message names it."""


def _bool(value: str) -> bool:
    word = value.strip().lower()
    if word not in _TRUE | _FALSE:
        raise ValueError(f"expected one of {', '.join(sorted(_TRUE | _FALSE))}")
    return word in _TRUE


def _endpoints(value: str) -> tuple[tuple[str, int], ...]:
    """"host:port,host:port" (IPv6 as "[::1]:2003"; ":2003" is 127.0.0.1)."""
    out = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"bad endpoint {item!r}: expected host:port")
        out.append((host.strip("[]") or "127.0.0.1", int(port)))
    return tuple(out)


#: PKCS#11 modules a credential may name: SoftHSM2's and OpenSC's Debian paths (amd64 and arm64).
DEFAULT_PKCS11_MODULES: tuple[str, ...] = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so",
)


def _paths(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"[,:]", value) if p.strip())


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
    converter_base_port: int = 0  # 0: `make run` picks free ports (KHD_CONVERTER_BASE_PORT fixes them)
    soffice: str = "soffice"
    # Signing.
    trust_roots: tuple[Path, ...] = ()  # empty: the demo CA in data_dir
    tsa_url: str = ""  # empty: the demo PKI server's TSA ({pki_url}/tsa)
    archive_tsa_url: str = ""  # archive refreshes; empty: tsa_url, or the demo archive TSA
    pki_url: str = "http://127.0.0.1:5081"  # the demo PKI server (CRL, OCSP, TSA), named in demo certificates
    demo_pki_dir: str = ""  # empty: data_dir/pki (tests share one demo PKI between data dirs)
    revocation_online: bool = True  # fetch OCSP/CRL when validating (else only data embedded in the PDF)
    lta_horizon_days: int = 365  # archive refresh: re-timestamp when the newest TSA cert expires this soon
    # Remote signing services: defaults for credentials that leave URL/client id/secret empty.
    csc_url: str = ""  # CSC API v1 base URL (the part before /csc/v1/...)
    csc_client_id: str = ""
    csc_client_secret: str = ""
    async_sign_url: str = ""  # confirm-in-app service (VNPT SmartCA-shaped)
    async_sign_client_id: str = ""
    async_sign_client_secret: str = ""
    remote_timeout: float = 20.0  # seconds per HTTP call to a remote signing service
    remote_poll_seconds: float = 3.0  # how often the worker asks the confirm-in-app service
    remote_expiry_minutes: int = 5  # how long a request waits for the signer's confirmation
    # The only shared libraries a PKCS#11 credential may load into the process (KHD_PKCS11_MODULES).
    pkcs11_modules: tuple[str, ...] = DEFAULT_PKCS11_MODULES
    # Mail.
    smtp_host: str = ""  # empty: mail goes to the local outbox in data_dir ("Hộp thư đi")
    smtp_port: int = 25
    mail_from: str = "vanthu@khuyenhoc.local"
    smtp_timeout: float = 10.0
    base_url: str = "http://127.0.0.1:5000"  # used in links sent by email; from PORT unless KHD_BASE_URL
    redis_url: str = ""  # empty: background jobs in a SQLite file in the data dir
    jobs_immediate: bool = False  # run background jobs inline (tests)
    reminder_days: int = 7  # yearly-report reminders this many days before the deadline
    # Backups: passphrase that encrypts the data-dir secrets (``backup create|restore|verify``).
    backup_passphrase: str = field(default="", repr=False)
    # edXML exchange: packages go to this URL (the hub or another system); empty: an outbox folder.
    edxml_endpoint: str = ""
    edxml_token: str = ""  # bearer token sent to edxml_endpoint
    edxml_key_file: str = ""  # PKCS#12 of this system's exchange identity; empty: demo-issued
    edxml_key_passphrase: str = ""
    # Web.
    secure_cookies: bool = False
    force_https: bool = False
    ratelimit_storage: str = ""  # empty: a SQLite file in the data dir, shared by every worker
    login_limit: str = "10 per minute"  # per address and username
    login_address_limit: str = "30 per minute"  # per address, whatever the usernames tried
    token_ttl_minutes: int = 60
    max_upload_mb: int = 25
    # Search: count a broad match, or score half a ranked one, on a second database connection
    # while the page is built (lower latency on an idle core, a few ms more CPU per search).
    search_parallel: bool = True
    demo_password: str = "khuyenhoc-demo"
    org_place: str = "Bến Tre"
    testing: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{self.data_dir / 'khuyenhoc.sqlite3'}"

    @property
    def ratelimit_uri(self) -> str:
        """Where login counters live: the configured URI (``redis://…``) or the data dir's SQLite file."""
        from .ratelimit_store import sqlite_uri

        # Under run/: run-time state, which backups leave out and restores may find already there.
        return self.ratelimit_storage or sqlite_uri(self.data_dir / "run" / "ratelimit.sqlite3")

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def pki_dir(self) -> Path:
        return Path(self.demo_pki_dir) if self.demo_pki_dir else self.data_dir / "pki"

    @property
    def edxml_dir(self) -> Path:
        """``outbox/`` (packages when no endpoint is set) and ``inbox/`` (watched by the worker)."""
        return self.data_dir / "edxml"

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Settings:
        """Copy with the given fields replaced; unknown keys go to ``extra``."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        direct = {k: v for k, v in overrides.items() if k in known}
        extra = {k: v for k, v in overrides.items() if k not in known}
        if "data_dir" in direct:
            direct["data_dir"] = Path(direct["data_dir"])
        return replace(self, **direct, extra={**self.extra, **extra})


#: Parsers for fields whose type alone does not say how to read them.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "converter_endpoints": _endpoints,
    "trust_roots": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "pkcs11_modules": _paths,
}

#: Parsers by field type (bool is strict: a typo is an error, never False).
_BY_TYPE: dict[Any, Callable[[str], Any]] = {bool: _bool, int: int, float: float, Path: Path, str: str}


def _parser(name: str, hint: Any) -> Callable[[str], Any]:
    if name in _PARSERS:
        return _PARSERS[name]
    if hint not in _BY_TYPE:
        raise TypeError(f"Settings.{name}: add a parser for {hint!r} to _PARSERS")
    return _BY_TYPE[hint]


def variables() -> dict[str, str]:
    """Every accepted variable name mapped to its settings field."""
    return {PREFIX + f.name.upper(): f.name for f in fields(Settings) if f.name != "extra"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``KHD_*`` variables (``PORT`` is left to the runner).

    Raises ConfigError naming the variable for an unknown ``KHD_*`` name or a value that does not parse.
    """
    env = os.environ if environ is None else environ
    known = variables()
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in known)
    if unknown:
        raise ConfigError(f"unknown configuration variable(s): {', '.join(unknown)} "
                          f"(known: see README, Configuration)")
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for var, name in known.items():
        raw = env.get(var)
        if raw is None or raw == "":
            continue
        try:
            values[name] = _parser(name, hints[name])(raw)
        except ValueError as exc:
            raise ConfigError(f"{var}={raw!r} is not valid: {exc}") from None
    if "base_url" not in values:
        # Links in mail point at the address the service really listens on (`make run` binds PORT).
        port = (env.get("PORT") or "").strip()
        if port.isdigit():
            values["base_url"] = f"http://127.0.0.1:{int(port)}"
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
