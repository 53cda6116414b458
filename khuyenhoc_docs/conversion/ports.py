"""Free local ports for the converter instances of ``make run`` (two services on one machine
must not collide on a fixed port).

    python -m khuyenhoc_docs.conversion.ports COUNT   # prints a base port; base … base+COUNT-1 are free
"""
from __future__ import annotations

import random
import socket
import sys

LOW, HIGH = 20000, 60000  # below the Linux ephemeral range (32768+) would be ideal, but any free run works


def _free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_base_port(count: int, *, attempts: int = 200, rng: random.Random | None = None) -> int:
    """A base port such that ``count`` consecutive ports from it are free now (random start:
    two services starting at once rarely pick the same run)."""
    if count < 1:
        raise ValueError("count must be positive")
    rng = rng or random.Random()
    for _ in range(attempts):
        base = rng.randrange(LOW, HIGH - count)
        if all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports found between {LOW} and {HIGH}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m khuyenhoc_docs.conversion.ports COUNT", file=sys.stderr)
        return 2
    try:
        print(free_base_port(int(args[0])))
    except RuntimeError as exc:
        print(f"khuyenhoc_docs: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
