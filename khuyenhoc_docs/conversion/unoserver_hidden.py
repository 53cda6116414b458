"""unoserver's server, loading every document hidden (what the supervisor runs for each instance).

unoserver 3.7 loads a document with ``ReadOnly`` only, so LibreOffice builds a frame, a view, toolbars
and a sidebar for each conversion even when headless. With the ``Hidden`` load property it builds none
of them: soffice.bin's CPU per conversion of a commune programme fell from ~125–165 ms to ~70–90 ms on
the 2-core machine, with the same PDF (same text layer, same pixels with pdftoppm). Everything else
(arguments, XML-RPC API, logging, shutdown) is unoserver's own.

    python -m khuyenhoc_docs.conversion.unoserver_hidden --port 2003 --uno-port 2005 ...

Runs under a Python that can ``import uno`` (Debian's python3-uno; the venv has system site packages).
"""

from __future__ import annotations

import sys
from typing import Any


class HiddenLoads:
    """A Desktop stand-in whose loadComponentFromURL adds ``Hidden=True``; the rest is the Desktop's."""

    def __init__(self, desktop: Any, hidden: Any) -> None:
        self._desktop = desktop
        self._hidden = hidden

    def loadComponentFromURL(self, url: str, target: str, flags: int, props: Any) -> Any:  # noqa: N802 - UNO
        return self._desktop.loadComponentFromURL(url, target, flags, (*tuple(props), self._hidden))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._desktop, name)


def install() -> None:
    """Make unoserver's converter load documents hidden (before its server creates one)."""
    import uno
    from unoserver import converter

    base = converter.UnoConverter
    if getattr(base, "loads_hidden", False):
        return

    class HiddenConverter(base):  # type: ignore[misc,valid-type]
        loads_hidden = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            hidden = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
            hidden.Name, hidden.Value = "Hidden", True
            self.desktop = HiddenLoads(self.desktop, hidden)  # type: ignore[has-type]  # set by unoserver

    converter.UnoConverter = HiddenConverter


def main() -> int | None:
    install()
    from unoserver import server

    return server.main()


if __name__ == "__main__":
    sys.exit(main())
