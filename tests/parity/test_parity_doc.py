"""docs/parity.md's CSIS block is exactly what examples/parity_csis.py prints."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def csis():
    spec = importlib.util.spec_from_file_location("parity_csis", ROOT / "examples" /
                                                  "parity_csis.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_doc_block_is_regenerated_identically(csis, deal, lifetime):
    example = csis.csis_deal()
    # the example deal dispatches exactly like the session fixture: reuse its lifetime
    for section in ("battery", "market", "project", "degradation", "augmentation"):
        assert getattr(example, section) == getattr(deal, section), section
    assert csis.render(lifetime) == csis.doc_block(), (
        "docs/parity.md is stale: run python examples/parity_csis.py --write-doc")


def test_documented_key_numbers(csis):
    block = csis.doc_block()
    # CN cell landed at the two stacks, US +56% cell, DC-block parity duty
    for text in ("| 89.04 |", "| 95.04 |", "US cell in (101.11, 135.77] $/kWh",
                 "US cell in (94.72, 127.20] $/kWh", "parity duty, no ITC: 30.2%",
                 "no break-even in [0%, 200%]"):
        assert text in block, text
    assert block.count("**holds**") == 3
