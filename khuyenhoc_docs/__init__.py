"""khuyenhoc_docs: drafting, signing, archiving and issuing joint programmes.

The package root stays free of Flask so the domain core can be imported on its own.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def create_app(overrides: Mapping[str, Any] | None = None):
    """Application factory (see ``khuyenhoc_docs.web.app``)."""
    from .web.app import create_app as _create_app

    return _create_app(overrides)
