"""Settings come from KHD_* variables only, with overrides for tests."""
from pathlib import Path

from khuyenhoc_docs.config import Settings, ensure_secret_key, load_settings


def test_defaults_use_sqlite_in_data_dir(tmp_path):
    s = load_settings({"KHD_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'khuyenhoc.sqlite3'}"
    assert s.s3_endpoint == "" and s.objects_dir == tmp_path / "objects"


def test_environment_is_parsed_by_type(tmp_path):
    s = load_settings({
        "KHD_DATA_DIR": str(tmp_path),
        "KHD_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "KHD_S3_ENDPOINT": "minio:9000",
        "KHD_S3_SECURE": "true",
        "KHD_CONVERTER_ENDPOINTS": "127.0.0.1:2003, 10.0.0.2:2005",
        "KHD_SMTP_PORT": "2525",
        "KHD_TRUST_ROOTS": "/a.pem:/b.pem",
        "UNRELATED": "x",
    })
    assert s.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert s.s3_secure is True
    assert s.converter_endpoints == (("127.0.0.1", 2003), ("10.0.0.2", 2005))
    assert s.smtp_port == 2525
    assert s.trust_roots == (Path("/a.pem"), Path("/b.pem"))


def test_overrides_replace_fields_and_keep_unknown_as_extra(tmp_path):
    s = Settings().with_overrides({"data_dir": str(tmp_path), "csrf_disabled": True})
    assert s.data_dir == tmp_path and s.extra["csrf_disabled"] is True


def test_secret_key_is_generated_once_and_kept(tmp_path):
    s = Settings(data_dir=tmp_path)
    first = ensure_secret_key(s)
    assert len(first) > 40
    assert ensure_secret_key(s) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert ensure_secret_key(Settings(data_dir=tmp_path, secret_key="given")) == "given"


def test_only_config_reads_the_environment():
    root = Path(__file__).resolve().parent.parent / "khuyenhoc_docs"
    readers = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if "os.environ" in p.read_text() or "os.getenv" in p.read_text()
    )
    assert readers == ["config.py"]


def test_a_misspelt_boolean_stops_start_up_naming_the_variable():
    import pytest

    from khuyenhoc_docs.config import ConfigError

    with pytest.raises(ConfigError, match="KHD_FORCE_HTTPS"):
        load_settings({"KHD_FORCE_HTTPS": "ture"})
    assert load_settings({"KHD_FORCE_HTTPS": "Off"}).force_https is False
    assert load_settings({"KHD_FORCE_HTTPS": "yes"}).force_https is True


def test_a_bad_number_stops_start_up_naming_the_variable():
    import pytest

    from khuyenhoc_docs.config import ConfigError

    with pytest.raises(ConfigError, match="KHD_SMTP_PORT"):
        load_settings({"KHD_SMTP_PORT": "25a"})
    with pytest.raises(ConfigError, match="KHD_CONVERTER_TIMEOUT"):
        load_settings({"KHD_CONVERTER_TIMEOUT": "soon"})


def test_an_unknown_khd_variable_stops_start_up_naming_it():
    import pytest

    from khuyenhoc_docs.config import ConfigError

    with pytest.raises(ConfigError, match="KHD_FORCE_HTTP\\b"):
        load_settings({"KHD_FORCE_HTTP": "true"})


def test_every_setting_is_a_variable_with_a_parser():
    from khuyenhoc_docs.config import variables

    names = variables()
    assert names["KHD_FORCE_HTTPS"] == "force_https" and "KHD_EXTRA" not in names
    # every field parses from its own default rendered as text
    env = {var: "1" for var, name in names.items() if isinstance(getattr(Settings(), name), (bool, int, float))}
    load_settings(env)


def test_create_app_refuses_a_bad_environment(monkeypatch, tmp_path):
    import pytest

    from khuyenhoc_docs import create_app
    from khuyenhoc_docs.config import ConfigError

    monkeypatch.setenv("KHD_SECURE_COOKIES", "maybe")
    with pytest.raises(ConfigError, match="KHD_SECURE_COOKIES"):
        create_app({"data_dir": tmp_path, "testing": True})
