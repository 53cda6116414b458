"""A throw-away NSS database holding trusted roots, and poppler's ``pdfsig``
run against it (an independent verifier next to pyHanko).

    db = NssDb.create(tmp_path / "nss", [ca_pem])
    sigs = db.pdfsig(pdf_bytes)          # [PdfsigSignature, ...]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NssDb", "PdfsigSignature", "pdfsig_available"]


def pdfsig_available() -> bool:
    return shutil.which("pdfsig") is not None and shutil.which("certutil") is not None


@dataclass(frozen=True)
class PdfsigSignature:
    field_name: str
    signer_cn: str
    signature_validation: str  # e.g. "Signature is Valid." / "Digest Mismatch."
    certificate_validation: str  # e.g. "Certificate is Trusted."
    total_document_signed: bool

    @property
    def valid(self) -> bool:
        return self.signature_validation.startswith("Signature is Valid")

    @property
    def trusted(self) -> bool:
        return self.certificate_validation.startswith("Certificate is Trusted")


_FIELD = {
    "field_name": re.compile(r"Signature Field Name:\s*(.*)"),
    "signer_cn": re.compile(r"Signer Certificate Common Name:\s*(.*)"),
    "signature_validation": re.compile(r"Signature Validation:\s*(.*)"),
    "certificate_validation": re.compile(r"Certificate Validation:\s*(.*)"),
}


def parse_pdfsig(output: str) -> list[PdfsigSignature]:
    blocks = re.split(r"^Signature #\d+:\s*$", output, flags=re.M)[1:]
    result = []
    for block in blocks:
        if "The signature form field is not signed" in block:
            continue  # an empty field (e.g. the record's copy field), not a signature
        values = {}
        for key, rx in _FIELD.items():
            m = rx.search(block)
            values[key] = m.group(1).strip() if m else ""
        result.append(PdfsigSignature(
            **values, total_document_signed="Total document signed" in block,
        ))
    return result


@dataclass(frozen=True)
class NssDb:
    directory: Path

    @property
    def spec(self) -> str:
        return f"sql:{self.directory}"

    @classmethod
    def create(cls, directory: Path, root_pems: Iterable[bytes]) -> NssDb:
        """New NSS db (empty password) trusting each PEM root for all uses."""
        directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
                       check=True, capture_output=True)
        for i, pem in enumerate(root_pems):
            pem_path = directory / f"root{i}.pem"
            pem_path.write_bytes(pem)
            subprocess.run(
                ["certutil", "-A", "-d", f"sql:{directory}", "-n", f"root{i}",
                 "-t", "CT,C,C", "-i", str(pem_path)],
                check=True, capture_output=True,
            )
        return cls(directory)

    def pdfsig_text(self, pdf: bytes) -> str:
        with tempfile.NamedTemporaryFile(suffix=".pdf", dir=self.directory) as f:
            f.write(pdf)
            f.flush()
            proc = subprocess.run(["pdfsig", "-nssdir", self.spec, f.name],
                                  capture_output=True, text=True, timeout=60)
        # pdfsig exits non-zero when a signature is invalid; the text is what counts
        return proc.stdout + proc.stderr

    def pdfsig(self, pdf: bytes) -> list[PdfsigSignature]:
        return parse_pdfsig(self.pdfsig_text(pdf))
