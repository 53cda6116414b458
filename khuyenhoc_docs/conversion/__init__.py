"""DOCX→PDF conversion with LibreOffice: warm unoserver pool, one-shot fallback.

Typical wiring (the config layer supplies the values):

    supervisor = UnoserverSupervisor(SupervisorOptions(instances=2, base_port=2003, workdir=dir))
    supervisor.start()                       # or run `python -m khuyenhoc_docs.conversion.supervisor`
    converter = UnoserverConverter(UnoserverOptions(endpoints=supervisor.endpoints))
    pdf = converter.convert(docx_bytes, timeout=30)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import (
    DOCX_IMPORT_FILTER,
    ConversionError,
    ConversionTimeout,
    Converter,
    ConverterUnavailable,
    InvalidDocument,
    OneShotOptions,
    SupervisorOptions,
    UnoserverOptions,
    validate_docx,
)
from .oneshot import OneShotConverter
from .unoserver import UnoserverConverter

if TYPE_CHECKING:
    from .supervisor import UnoserverSupervisor


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m khuyenhoc_docs.conversion.supervisor` does not find
    # its own module already imported by the package (runpy warns about that).
    if name == "UnoserverSupervisor":
        from .supervisor import UnoserverSupervisor

        return UnoserverSupervisor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DOCX_IMPORT_FILTER",
    "ConversionError",
    "ConversionTimeout",
    "Converter",
    "ConverterUnavailable",
    "InvalidDocument",
    "OneShotConverter",
    "OneShotOptions",
    "SupervisorOptions",
    "UnoserverConverter",
    "UnoserverOptions",
    "UnoserverSupervisor",
    "validate_docx",
]
