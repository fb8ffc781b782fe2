"""Headless Chromium for report tests: find it, load a page, collect console messages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr", "--v=0",
)
CONSOLE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)\]\s*(.*)")


def chromium() -> str:
    """Path of a Chromium binary; skip the test without one, fail in CI (``CI=true``)."""
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    why = ("Chromium is not installed (apt-get install -y chromium); the browser test needs "
           "it")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why} and CI=true, so it must run")
    pytest.skip(why)


@dataclass
class PageLoad:
    dom: str
    console: list[str]
    stderr: str
    returncode: int


def load(page: Path, *extra: str, timeout: float = 120.0) -> PageLoad:
    """Open ``page`` in headless Chromium with ``extra`` flags (``--dump-dom`` or
    ``--screenshot=...``); the DOM after load, console messages and the exit code."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="bessfin-chromium-") as profile:
        proc = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    console = [m.group(1) for line in proc.stderr.splitlines() if (m := CONSOLE.search(line))]
    return PageLoad(dom=proc.stdout, console=console, stderr=proc.stderr,
                    returncode=proc.returncode)
