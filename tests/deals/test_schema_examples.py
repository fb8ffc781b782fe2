"""Every shipped example deal validates against ``bessfin schema`` (what a schema-aware editor
checks), and the schema rejects what the loader rejects."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import jsonschema
import pytest

from bessfin.deal import deal_schema, load_deal

EXAMPLES = sorted(p for p in (Path(__file__).parents[2] / "examples").glob("*.toml")
                  if p.name != "portfolio.toml")


def _as_json(value):
    """TOML dates as the ISO strings a schema-aware editor validates."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_against_schema(path):
    load_deal(path)  # the loader accepts it ...
    data = _as_json(tomllib.loads(path.read_text()))
    jsonschema.validate(data, deal_schema())  # ... and so does the published schema


def test_examples_exist():
    assert len(EXAMPLES) >= 3


def test_schema_lists_round_trip_efficiency_and_still_forbids_typos():
    data = _as_json(tomllib.loads(EXAMPLES[0].read_text()))
    data["battery"]["round_trip_eff"] = 0.85
    with pytest.raises(jsonschema.ValidationError, match="round_trip_eff"):
        jsonschema.validate(data, deal_schema())
    props = deal_schema()["$defs"]["Battery"]["properties"]
    assert "round_trip_efficiency" in props
