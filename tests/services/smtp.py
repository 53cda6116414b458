"""A real SMTP server for tests: aiosmtpd in a subprocess, one ``.eml`` file per message.

Usage::

    with SmtpServer() as server:
        send_mail(MailOptions(host=server.host, port=server.port, mail_from=...), mail)
        [msg] = server.messages()          # email.message.EmailMessage, default policy
        server.reject("bi-chan@example.org", "550 5.1.1 Mailbox unavailable")
        server.stop()                      # simulate "SMTP down": the port refuses connections
        server.start()                     # same port again; received mail is kept

This file is also the server itself: ``python smtp.py --serve HOST PORT DIR`` (run by path, so
the child needs neither the ``tests`` package nor the project on ``sys.path``). Recipient
rejections live in ``DIR/rules.json`` and are re-read on every RCPT, so they can change while
the server runs.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, cast

__all__ = ["ReceivedMail", "SmtpServer"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message with its SMTP envelope."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage


class SmtpServer:
    """Start/stop an aiosmtpd subprocess on 127.0.0.1 at a fixed port."""

    def __init__(
        self,
        port: int | None = None,
        *,
        reject: dict[str, str] | None = None,
        start_timeout: float = 15.0,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or _free_port()
        self.start_timeout = start_timeout
        self.root = Path(tempfile.mkdtemp(prefix="khd-smtp-"))
        self.maildir = self.root / "mail"
        self.maildir.mkdir()
        self._rules_file = self.root / "rules.json"
        self._rules: dict[str, str] = {}
        self._write_rules()
        for address, reply in (reject or {}).items():
            self.reject(address, reply)
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> SmtpServer:
        """Start the server (same port as before) and wait until it sends its 220 greeting."""
        if self.running:
            return self
        self._proc = subprocess.Popen(
            # -I: the script directory is not put on sys.path (no shadowing by sibling files).
            [sys.executable, "-I", str(Path(__file__).resolve()), "--serve", self.host, str(self.port),
             str(self.root)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() can end its whole group
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"SMTP server exited early:\n{self.output()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(512).startswith(b"220"):
                        sock.sendall(b"QUIT\r\n")
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"SMTP server did not answer within {self.start_timeout}s:\n{self.output()}")

    def stop(self) -> None:
        """Stop the server; afterwards connections to the port are refused."""
        # Imported here: this file also runs, isolated (-I), as the server process itself.
        from tests.services.process import stop_process_group

        proc, self._proc = self._proc, None
        stop_process_group(proc)

    def close(self) -> None:
        """Stop the server and delete its files."""
        self.stop()
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        from tests.services.process import tail

        return tail(self._log)

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Last resort against orphaned servers when a test forgets close().
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()

    # -- behaviour -----------------------------------------------------------------------------

    def reject(self, address: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer RCPT TO:<address> with ``reply`` (e.g. ``"451 4.3.0 Try again later"``)."""
        code = reply[:3]
        if not (code.isdigit() and code[0] in "45" and reply[3:4] in (" ", "")):
            raise ValueError(f"not a 4xx/5xx SMTP reply: {reply!r}")
        self._rules[address.lower()] = reply
        self._write_rules()

    def clear_rejections(self) -> None:
        """Accept every recipient again."""
        self._rules.clear()
        self._write_rules()

    def _write_rules(self) -> None:
        tmp = self._rules_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._rules), encoding="utf-8")
        os.replace(tmp, self._rules_file)  # atomic: the server never reads half a file

    # -- received mail -------------------------------------------------------------------------

    def received(self) -> list[ReceivedMail]:
        """Every accepted message in arrival order, with its envelope."""
        result = []
        for path in sorted(self.maildir.glob("*.eml")):
            raw = path.read_bytes()
            envelope = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
            result.append(ReceivedMail(envelope["mail_from"], tuple(envelope["rcpt_tos"]), raw, message))
        return result

    def messages(self) -> list[EmailMessage]:
        """Every accepted message in arrival order, parsed with the default policy."""
        return [item.message for item in self.received()]

    def clear(self) -> None:
        """Forget every received message."""
        for path in self.maildir.iterdir():
            path.unlink(missing_ok=True)


# -- the server process ------------------------------------------------------------------------


class _Handler:
    """aiosmtpd handler: per-recipient rejections, one .eml + envelope .json per message."""

    def __init__(self, root: Path) -> None:
        self.maildir = root / "mail"
        self.rules_file = root / "rules.json"
        self.counter = 0

    def _rules(self) -> dict[str, str]:
        try:
            return cast(dict[str, str], json.loads(self.rules_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        reply = self._rules().get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.counter += 1
        # Names sort in arrival order, also across restarts of the process.
        name = f"{time.time_ns():020d}-{self.counter:06d}"
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        (self.maildir / f".{name}.json").write_text(json.dumps(meta), encoding="utf-8")
        os.replace(self.maildir / f".{name}.json", self.maildir / f"{name}.json")
        # Written last and atomically: a visible .eml always has its .json beside it.
        (self.maildir / f".{name}.tmp").write_bytes(envelope.original_content or envelope.content)
        os.replace(self.maildir / f".{name}.tmp", self.maildir / f"{name}.eml")
        return "250 2.0.0 Message accepted for delivery"


def _serve(host: str, port: int, root: Path) -> None:
    import asyncio

    from aiosmtpd.smtp import SMTP

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = _Handler(root)
        # hostname given explicitly: the default calls socket.getfqdn(), which may wait on DNS.
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="smtp.khd-test.local", enable_SMTPUTF8=True),
            host=host,
            port=port,
            reuse_address=True,  # restart on the same port right after stop()
        )
        stopped = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopped.set)
        print(f"listening on {host}:{port}", flush=True)
        await stopped.wait()
        server.close()

    asyncio.run(main())


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "--serve":
        sys.exit("usage: smtp.py --serve HOST PORT DIR")
    _serve(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
