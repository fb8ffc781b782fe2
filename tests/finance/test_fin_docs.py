"""The example in docs/finance.md runs and gives a consistent result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "finance.md"


def test_docs_example_runs():
    assert DOC.is_file(), f"{DOC} is missing: the finance model must be documented there"
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1).replace("print(", "str("), str(DOC), "exec"), namespace)
    pf = namespace["pf"]
    assert pf.itc.rate == pytest.approx(0.40)  # PWA 30 % + energy community 10 %, MACR passes
    assert pf.metrics.debt_usd > 0
    assert pf.annual.columns[0] == 0
