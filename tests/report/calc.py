"""LibreOffice headless as an independent spreadsheet engine: recalculate workbooks, read values.

openpyxl saves a workbook without cached results, so every value read back after
:func:`recalculate` was computed by LibreOffice Calc from the formulas. A private user profile
sets Calc to recalculate OOXML files on load (its default is to trust cached values).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

NAMES = ("soffice", "libreoffice")
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """Path of LibreOffice; skip without it, fail in CI (``CI=true``)."""
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    why = ("LibreOffice Calc is not installed (apt-get install -y --no-install-recommends "
           "libreoffice-calc); the live Excel tests need it")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why} and CI=true, so it must run")
    pytest.skip(why)


def strip_and_edit(src: Path, dst: Path, edits: dict[str, float | str] | None = None) -> Path:
    """Copy a workbook through openpyxl (dropping every cached formula result), setting named
    inputs ``{name: value}`` on the way."""
    wb = load_workbook(src)
    for name, value in (edits or {}).items():
        dn = wb.defined_names[name]
        (sheet, ref), = dn.destinations
        wb[sheet][ref.replace("$", "")].value = value
    wb.save(dst)
    return dst


def recalculate(paths: list[Path], out_dir: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate and save it as .xlsx in ``out_dir``."""
    exe = soffice()
    profile = out_dir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE)
    out = out_dir / "recalculated"
    out.mkdir(exist_ok=True)
    subprocess.run([exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                    "--norestore", "--calc", "--convert-to", "xlsx", "--outdir", str(out),
                    *map(str, paths)], check=True, capture_output=True, timeout=300)
    result = [out / p.name for p in paths]
    missing = [p for p in result if not p.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return result


def named_value(wb, name: str):
    """Value of a named single cell of a workbook loaded with ``data_only=True``."""
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value
