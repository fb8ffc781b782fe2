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
    # Section 1: CN landed at 58 % (60 x 1.58, 74 x 1.58), US 111.18 net of 30 % nominal and
    # cash (x 0.815), the two pairings that hold. Section 2: DC-block parity duty.
    # Section 3: the three supply cases with their MACR.
    for text in ("| 94.80 |", "| 116.92 |", "| 77.83 | 84.00 | 14.7% | 18.1% |",
                 "parity duty, no ITC: 30.2%",
                 "| Chinese DC block (china-import) | 0% vs 55% | 0% |",
                 "| Chinese cells, US-assembled block | 73% vs 55% | 30% | 251.44 |",
                 "| US cells, US block (fully-domestic) | 100% vs 55% | 30% | 256.00 |"):
        assert text in block, text
    assert block.count("| holds: needs") == 4  # two pairings, nominal and cash columns


def test_doc_quotes_the_csis_sentence():
    from bessfin.studies import CSIS_QUOTE

    doc = (ROOT / "docs" / "parity.md").read_text()
    quoted = " ".join(line.removeprefix("> ").strip() for line in doc.splitlines()
                      if line.startswith("> "))
    assert f'"{CSIS_QUOTE}"' in quoted
