"""The API reference builds from the docstrings with pdoc, without warnings (docs/api.md)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pdoc")
DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _command() -> list[str]:
    line = re.search(r"^python -m pdoc .*$", DOC.read_text(), re.M)
    assert line, "docs/api.md must give the pdoc command"
    return shlex.split(line.group(0))


def test_pdoc_builds_the_reference_without_warnings(tmp_path):
    args = _command()
    out = args.index("-o") + 1
    args[out] = str(tmp_path / "api")
    proc = subprocess.run([sys.executable, *args[1:]], capture_output=True, text=True,
                          timeout=600, cwd=DOC.parents[1])
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert not re.search(r"\b(Warn|Error)", log), log
    root = tmp_path / "api"
    faces = ("deal", "dispatch", "finance", "io", "markets", "report", "screen", "studies",
             "supply", "sam", "cli")
    for face in faces:
        assert (root / "bessfin" / f"{face}.html").exists(), face
    top = (root / "bessfin.html").read_text()
    for name in ("Deal", "run", "compare", "screen", "DealResult"):
        assert f'id="{name}"' in top or f">{name}<" in top, name
