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


def _lazy_submodules():  # noqa: ANN202 - the module's __getattr__
    import pkgutil

    from .lazy import submodule_getattr

    # ``from .. import legacy`` (the web layer) binds a module imported at first use, so a worker
    # that only lists documents never imports the signing, PDF or office stacks (see lazy.py).
    return submodule_getattr(__name__, frozenset(m.name for m in pkgutil.iter_modules(__path__)))


__getattr__ = _lazy_submodules()
