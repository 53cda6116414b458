"""Workflow rooms, plain Python over sessions; each function checks access through ``access`` and owns its
transaction. documents (load, list, download, versions, lock), drafting, submission, signing (one signing
routine for chairs and reports), distribution, cascade, reports; objects (store writes) and template_store."""

import pkgutil as _pkgutil

from ..lazy import submodule_getattr as _submodule_getattr

# ``from ..workflow import signing`` (the web layer's blueprints) binds a module imported at first
# use: a worker serving lists never imports the signing, PDF or office stacks (see lazy.py).
__getattr__ = _submodule_getattr(__name__, frozenset(m.name for m in _pkgutil.iter_modules(__path__)))
