"""Crash-safe file writes for the local object store: a temp file written and fsynced next to its
final place, then linked (never overwriting) or renamed into place; the caller fsyncs the folder.

``create_exclusive_pair`` writes an object's data and its sidecar as two such files, both fsynced
before either is linked, the two fsyncs at once (two threads: on ext4 one journal commit instead
of two; an issuance stores nine objects)."""
from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_temp(directory: Path, data: bytes, mode: int, *, sync: bool = True) -> Path:
    """Write (and fsync, unless ``sync`` is false) a temp file next to its final place (same filesystem)."""
    tmp = directory / f".tmp-{secrets.token_hex(8)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)  # e.g. disk full: leave no debris behind
        raise
    return tmp


_beside: tuple[int, ThreadPoolExecutor] | None = None


def _fsync_beside() -> ThreadPoolExecutor:
    """One thread per process for the fsync that runs beside another (a pool inherited through a
    fork has no threads: a new one per pid)."""
    global _beside
    if _beside is None or _beside[0] != os.getpid():
        _beside = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-fsync"))
    return _beside[1]


def create_exclusive_pair(first: Path, first_data: bytes, first_mode: int,
                          second: Path, second_data: bytes, second_mode: int) -> None:
    """Atomically create ``first``, then ``second`` (FileExistsError rather than overwrite): both
    written and fsynced before either is linked into place, the fsyncs at once."""
    tmp_first = write_temp(first.parent, first_data, first_mode, sync=False)
    try:
        tmp_second = write_temp(second.parent, second_data, second_mode, sync=False)
        try:
            beside = _fsync_beside().submit(_fsync_file, tmp_first)
            try:
                _fsync_file(tmp_second)
            finally:
                beside.result()  # raises its error, if any
            os.link(tmp_first, first)
            os.link(tmp_second, second)
        finally:
            os.unlink(tmp_second)
    finally:
        os.unlink(tmp_first)


def replace_file(path: Path, data: bytes, mode: int) -> None:
    """Atomically replace ``path`` (a sidecar's retention or legal hold)."""
    tmp = write_temp(path.parent, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
