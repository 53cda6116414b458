"""A private SoftHSM2 token for tests and benchmarks.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is initialised (the first
``pkcs11.lib(...)`` in the process), so :func:`create_token` sets it in
``os.environ`` before anything opens the module. This is test code: the
product never reads the environment; it gets a ``Pkcs11Options``.

    token = create_token(tmp_path / "hsm", label="khuyenhoc", pin="1234")
    token.import_key("hoa", key_pkcs8_pem, cert_der, key_id="01")
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SOFTHSM_MODULE", "SoftHsmToken", "create_token", "softhsm_available"]

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def softhsm_available() -> bool:
    return (os.path.exists(SOFTHSM_MODULE) and shutil.which("softhsm2-util") is not None
            and shutil.which("pkcs11-tool") is not None)


@dataclass(frozen=True)
class SoftHsmToken:
    conf_path: Path
    token_dir: Path
    label: str
    pin: str
    so_pin: str
    module_path: str = SOFTHSM_MODULE

    def _env(self) -> dict[str, str]:
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf_path)}

    def import_key(self, label: str, key_pkcs8_pem: bytes, cert_der: bytes, key_id: str = "01") -> None:
        """Private key (unencrypted PKCS#8 PEM) and certificate under one
        label and id, the convention pyHanko's PKCS11Signer looks up."""
        work = self.token_dir.parent / f"import-{label}-{key_id}"
        work.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = work / "key.pem", work / "cert.der"
        key_path.write_bytes(key_pkcs8_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(cert_der)
        try:
            subprocess.run(
                ["softhsm2-util", "--import", str(key_path), "--token", self.label,
                 "--label", label, "--id", key_id, "--pin", self.pin],
                check=True, capture_output=True, env=self._env(), timeout=60,
            )
            subprocess.run(
                ["pkcs11-tool", "--module", self.module_path, "--token-label", self.label,
                 "--login", "--pin", self.pin, "--write-object", str(cert_path),
                 "--type", "cert", "--id", key_id, "--label", label],
                check=True, capture_output=True, env=self._env(), timeout=60,
            )
        finally:
            key_path.unlink(missing_ok=True)  # don't leave key material lying around


def create_token(directory: Path, *, label: str = "khuyenhoc-test", pin: str = "123456",
                 so_pin: str = "12345678", set_environ: bool = True) -> SoftHsmToken:
    """Config + token dir under ``directory``, one initialised token.
    ``set_environ`` points this process's SOFTHSM2_CONF at it."""
    token_dir = directory / "tokens"
    token_dir.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {token_dir}\nobjectstore.backend = file\n"
                    "log.level = ERROR\nslots.removable = false\n")
    token = SoftHsmToken(conf_path=conf, token_dir=token_dir, label=label, pin=pin, so_pin=so_pin)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin],
        check=True, capture_output=True, env=token._env(), timeout=60,
    )
    if set_environ:
        os.environ["SOFTHSM2_CONF"] = str(conf)
    return token
