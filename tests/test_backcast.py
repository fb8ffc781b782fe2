"""``bessfin backcast --json`` (fast mode): the keys and the arithmetic, not the ratio."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bessfin.cli import app
from bessfin.markets import fleet_benchmark

KEYS = {"iso", "year", "duration_h", "fleet_usd_per_kw_yr", "ceiling_usd_per_kw_yr",
        "base_usd_per_kw_yr", "base_over_fleet"}


def test_backcast_json_fast() -> None:
    res = CliRunner().invoke(app, ["backcast", "--json", "--fast"])
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert {(r["iso"], r["year"]) for r in records} == {("caiso", 2023), ("caiso", 2024),
                                                        ("ercot", 2024)}
    for r in records:
        assert set(r) == KEYS
        assert r["duration_h"] == {"ercot": 2.0, "caiso": 4.0}[r["iso"]]
        assert r["fleet_usd_per_kw_yr"] == fleet_benchmark(r["iso"], r["year"])["usd_per_kw_yr"]
        assert r["base_over_fleet"] == pytest.approx(
            r["base_usd_per_kw_yr"] / r["fleet_usd_per_kw_yr"], rel=1e-12)
        # the base case (forecast, capped) never beats the perfect, uncapped ceiling
        assert r["ceiling_usd_per_kw_yr"] >= r["base_usd_per_kw_yr"] > 0


def test_fleet_table_is_sourced() -> None:
    from bessfin.markets import fleet_revenue

    rows = fleet_revenue(period=None)
    assert {(r["iso"], r["year"], r["usd_per_kw_yr"]) for r in rows if r["period"] == "annual"} \
        == {("ercot", 2022, 141), ("ercot", 2023, 192), ("ercot", 2024, 55),
            ("caiso", 2023, 80), ("caiso", 2024, 51)}
    assert all(r["source"] and r["fact"].startswith("policy_facts 5.") and r["status"]
               for r in rows)
