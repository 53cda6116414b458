"""``khuyenhoc_docs.lazy``: modules imported at first use, safely from many threads at once (gunicorn
runs 4 threads per worker; a half-imported module must never answer an attribute lookup)."""
from __future__ import annotations

import sys
import threading

import pytest

from khuyenhoc_docs.lazy import LazyModule, submodule_getattr


@pytest.fixture
def slow_package(tmp_path, monkeypatch):
    """A package whose submodule takes 0.3 s to import and defines its attribute at the end."""
    name = f"khd_slow_{tmp_path.name.replace('-', '_')}"
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "slow.py").write_text("import time\ntime.sleep(0.3)\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for mod in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[mod]


def test_first_use_from_many_threads_sees_the_finished_module(slow_package):
    lazy = LazyModule(f"{slow_package}.slow")
    assert f"{slow_package}.slow" not in sys.modules  # nothing imported until used
    results: list[object] = []
    lock = threading.Lock()

    def use() -> None:
        try:
            value: object = lazy.VALUE
        except AttributeError as exc:  # a half-initialised module
            value = exc
        with lock:
            results.append(value)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8


def test_package_getattr_answers_stand_ins_and_refuses_other_names(slow_package):
    getattr_ = submodule_getattr(slow_package, frozenset({"slow"}))
    stand_in = getattr_("slow")
    assert stand_in.VALUE == 42
    with pytest.raises(AttributeError):
        getattr_("missing")
    stand_in.VALUE = 7  # writes reach the module (tests monkeypatch module attributes)
    assert sys.modules[f"{slow_package}.slow"].VALUE == 7
