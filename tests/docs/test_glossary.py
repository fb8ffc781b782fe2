"""The glossary names every product of every shipped market."""

from __future__ import annotations

from pathlib import Path

from bessfin.markets import get_market, markets

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"


def test_every_market_product_is_in_the_glossary():
    text = GLOSSARY.read_text()
    missing = sorted({p.id for m in markets() for p in get_market(m).products
                      if f"`{p.id}`" not in text})
    assert missing == []
