"""Issue 11: one domestic-content and MACR threshold schedule, read by finance and supply alike."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from bessfin.finance import DEFAULT_POLICY
from bessfin.finance.itc import step_value
from bessfin.supply.sourcing import dc_threshold, macr_threshold_est

ROOT = Path(__file__).resolve().parents[2] / "bessfin"


def _tables_with(key: str) -> list[str]:
    """Shipped TOML files (any package) holding a table or array named ``key``."""
    found = []
    for path in ROOT.rglob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if key in data:
            found.append(str(path.relative_to(ROOT)))
    return found


#: supply/credits45x.toml's ``macr_threshold`` is a different rule (45X components by SALE year,
#: pf 2.9), not the §48E project schedule.
_45X = "supply/credits45x.toml"


@pytest.mark.parametrize("key", ["dc_threshold", "macr_threshold", "macr_threshold_est"])
def test_only_one_file_holds_each_schedule(key):
    want = [] if key == "macr_threshold_est" else ["common/itc_48e.toml"]
    assert [f for f in _tables_with(key) if f != _45X] == want


@pytest.mark.parametrize("boc", [dt.date(2025, 1, 1), dt.date(2025, 6, 16), dt.date(2025, 12, 31),
                                 dt.date(2026, 1, 1), dt.date(2027, 7, 1), dt.date(2028, 1, 1),
                                 dt.date(2031, 1, 1)])
def test_supply_and_finance_read_the_same_thresholds(boc):
    assert dc_threshold(boc) == step_value(DEFAULT_POLICY.dc_threshold, boc)
    fin = (step_value(DEFAULT_POLICY.macr_threshold, boc)
           if boc >= DEFAULT_POLICY.macr_applies_from else None)
    assert macr_threshold_est(boc) == fin


def test_an_edit_of_the_shared_file_moves_both(monkeypatch):
    """Both layers read the same parsed table: change it once, both see it."""
    from bessfin.common import policy

    table = tomllib.loads(
        resources.files("bessfin.common").joinpath("itc_48e.toml").read_text(encoding="utf-8"))
    table["dc_threshold"][-1]["value"] = 0.99
    monkeypatch.setattr(policy, "policy_table", lambda: table)
    from bessfin.finance.itc import load_policy
    from bessfin.supply import sourcing

    monkeypatch.setattr(sourcing, "schedule_value", policy.schedule_value)
    boc = dt.date(2030, 1, 1)
    assert sourcing.dc_threshold(boc) == 0.99
    monkeypatch.setattr("bessfin.finance.itc.policy_table", lambda: table)
    assert step_value(load_policy().dc_threshold, boc) == 0.99
