"""Process-tree helpers for tests of worker processes (psutil; skipped without it)."""

from __future__ import annotations

import pytest


def children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (empty if it is gone)."""
    psutil = pytest.importorskip("psutil")
    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie."""
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone(pids: list[int], seconds: float = 10.0) -> bool:
    """Whether every process of ``pids`` has ended within ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
