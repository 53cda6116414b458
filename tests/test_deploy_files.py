"""The production files hang together (no Docker engine here, so `docker compose config` cannot run)."""
from pathlib import Path

import yaml

from khuyenhoc_docs.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_compose_services_healthchecks_and_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "minio", "minio-init", "redis", "converter", "migrate", "worker", "app"} <= set(services)
    for name in ("db", "minio", "redis", "converter", "app"):
        assert "healthcheck" in services[name], name
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            assert cond["condition"] in ("service_healthy", "service_completed_successfully")
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], dep
        for volume in svc.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"], volume
    env = services["app"]["environment"]
    known = {"KHD_" + f.upper() for f in Settings.__dataclass_fields__}
    assert set(env) <= known, set(env) - known
    assert "--with-lock" in services["minio-init"]["entrypoint"]


def test_dockerfile_installs_libreoffice_and_runs_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    assert "libreoffice-writer-nogui" in text and "python3-uno" in text and "--system-site-packages" in text
    assert '"gunicorn"' in text and "USER khd" in text
