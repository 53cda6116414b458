"""Modules imported at first use (issue 16: a web worker that only lists documents should not
carry the signing, PDF and office stacks, ~70 MB per process).

``LazyModule("pkg.mod")`` stands for the module: the first attribute read (or write) imports it
through ``importlib`` (thread-safe, per-module import locks), later ones read ``sys.modules``.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for a module that is imported when first used."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        name = object.__getattribute__(self, "_name")
        module = sys.modules.get(name)
        # A module is in sys.modules while another thread still runs its code: import_module then
        # waits on the import lock for the finished module instead of answering a half-made one.
        if module is None or getattr(getattr(module, "__spec__", None), "_initializing", False):
            module = importlib.import_module(name)
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._module(), attr)

    def __setattr__(self, attr: str, value: Any) -> None:  # tests monkeypatch module attributes
        setattr(self._module(), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(self._module(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {object.__getattribute__(self, '_name')!r}>"


def submodule_getattr(package: str, names: frozenset[str]):
    """A package's ``__getattr__`` (PEP 562) answering ``from package import sub`` with a
    ``LazyModule`` for each of ``names`` not imported yet."""

    def __getattr__(attr: str) -> Any:
        if attr in names:  # not imported yet, or still being imported by another thread
            return LazyModule(f"{package}.{attr}")
        raise AttributeError(f"module {package!r} has no attribute {attr!r}")

    return __getattr__
