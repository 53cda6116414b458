"""Modules imported at first use (issue 16: a web worker that only lists documents should not
carry the signing, PDF and office stacks, ~70 MB per process).

``LazyModule("pkg.mod")`` stands for the module: the first attribute read (or write) imports it
through ``importlib`` (thread-safe, per-module import locks), later ones read ``sys.modules``.

Imports at first use run in whichever thread gets there first, so two threads can import one
package from two ends at once. If the package's ``__init__`` imported its own submodules, one
thread would hold the package's import lock waiting for a submodule whose lock the other holds
while it waits for the package; CPython's deadlock detection then hands one of them a half-made
module (``ImportError: partially initialized module``, and the package drops out of
``sys.modules``). Hence ``reexports`` for packages that give their submodules' names, and
``import_domain`` for processes whose threads import everything lazily (the job consumer).
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

_IMPORT_LOCK = threading.RLock()


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


def reexports(package: str, origins: Mapping[str, Iterable[str]]) -> Callable[[str], Any]:
    """A package's ``__getattr__`` (PEP 562) for names defined in its submodules
    (``{submodule: names}``): each submodule is imported when one of its names is first read, so
    importing the package imports none of them (see the module docstring for why)."""
    where = {name: sub for sub, names in origins.items() for name in names}

    def __getattr__(attr: str) -> Any:
        sub = where.get(attr)
        if sub is None:  # ``from package import submodule`` then imports the submodule itself
            raise AttributeError(f"module {package!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(f"{package}.{sub}"), attr)
        setattr(sys.modules[package], attr, value)  # later reads are plain attribute reads
        return value

    return __getattr__


def import_domain(package: str = "khuyenhoc_docs", skip: frozenset[str] = frozenset({"web", "migrations"})) -> int:
    """Import every module of ``package`` except the ``skip`` subpackages, one thread at a time;
    the number of modules. A process whose threads run code that imports at first use calls this
    in each thread before its first task: the first does the imports, the others wait for them."""
    with _IMPORT_LOCK:
        root = importlib.import_module(package)
        return _import_tree(package, root.__path__, skip)


def _import_tree(package: str, path: Iterable[str], skip: frozenset[str]) -> int:
    count = 0
    for info in pkgutil.iter_modules(path, f"{package}."):
        if info.name.rsplit(".", 1)[1] in skip:
            continue
        module = importlib.import_module(info.name)
        count += 1
        if info.ispkg:
            count += _import_tree(info.name, module.__path__, frozenset())
    return count
