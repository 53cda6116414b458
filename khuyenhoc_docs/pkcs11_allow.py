"""The process's allow-list of PKCS#11 module paths (set from settings by ``Services``, read by
``signing.keys`` before loading a module). Its own small module so that setting it does not
import the signing stack (pyHanko, python-pkcs11) into every web worker."""
from __future__ import annotations

import os
from collections.abc import Iterable

from .config import DEFAULT_PKCS11_MODULES

# Loading a module runs its code in this process: only libraries on the allow-list are ever loaded
# (the same list for every credential of the process).
_ALLOWED_MODULES: frozenset[str] = frozenset(os.path.realpath(p) for p in DEFAULT_PKCS11_MODULES)


def allow_pkcs11_modules(paths: Iterable[str]) -> None:
    """Replace the process's allow-list of PKCS#11 module paths."""
    global _ALLOWED_MODULES
    _ALLOWED_MODULES = frozenset(os.path.realpath(p) for p in paths if p and os.path.isabs(p))


def pkcs11_module_allowed(path: str) -> bool:
    """True when ``path`` names (after resolving links and "..") a module on the allow-list."""
    return bool(path) and os.path.isabs(path) and "\0" not in path and os.path.realpath(path) in _ALLOWED_MODULES
