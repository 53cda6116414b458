"""Worker memory: freed heap pages go back to the OS after write requests (glibc malloc_trim)."""
from __future__ import annotations

import ctypes
from pathlib import Path

from khuyenhoc_docs import memory
from tests.conftest import api_token


def _heap_kb() -> int:
    """This process's resident anonymous memory (heap pages), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError("no RssAnon")


def test_trim_gives_freed_heap_pages_back():
    # many mid-sized blocks (below the mmap threshold, so they live in the heap), all freed:
    # glibc keeps the pages until malloc_trim hands them back
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(800)]  # ~50 MB
    for b in blocks:
        ctypes.memset(b, 1, 64 * 1024)
    for b in blocks[:-1]:  # the last block stays: the heap's top cannot simply shrink below it
        libc.free(b)
    before = _heap_kb()
    assert memory.trim() is True
    assert before - _heap_kb() > 20_000  # > 20 MB returned
    libc.free(blocks[-1])


def test_write_requests_trim_after_the_answer_and_reads_do_not(client, monkeypatch):
    h = api_token(client, "vanthu")
    calls: list[int] = []
    monkeypatch.setattr(memory, "trim", lambda: calls.append(1) or True)
    listed = client.get("/api/v1/documents", headers=h)
    assert listed.status_code == 200
    listed.close()
    assert calls == []
    client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "sai"}).close()
    assert calls == [1]
