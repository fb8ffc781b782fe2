"""Issue 11 item 3: numbers in a deal are strict (no bools, no strings), finite and bounded."""

from __future__ import annotations

import copy
import math

import pytest

from bessfin.deal import DealError, deal_from_dict

from .deal_dict import base_deal


def _with(path: str, value):
    d = copy.deepcopy(base_deal())
    *head, last = path.split(".")
    node = d
    for k in head:
        node = node.setdefault(k, {})
    node[last] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("battery.power_mw", True, "valid number"),
        ("battery.round_trip_efficiency", True, "round_trip_efficiency"),
        ("battery.power_mw", math.inf, "finite"),
        ("battery.power_mw", 1e300, "<= 10000"),
        ("battery.energy_mwh", 2e5, "<= 100000"),
        ("battery.power_mw", "100", "valid number"),
        ("project.life_years", True, "valid integer"),
        ("project.life_years", 20.5, "valid integer"),
        ("opex.fixed_om_usd_per_kw_yr", math.nan, "finite"),
        ("capex.development_usd", 1e300, "within +-1e+12"),
        ("tax.federal_rate", True, "valid number"),
        ("market.escalation", -math.inf, "finite"),
        ("contracts.capacity.contracted_mw", False, "valid number"),
    ],
)
def test_refused_with_file_key_and_value(path, value, words):
    d = _with(path, value)
    if path.startswith("contracts.capacity"):
        d["contracts"]["capacity"].update(price_usd_per_kw_month=5.0, tenor_years=5)
    if "round_trip" in path:
        d["battery"].pop("charge_efficiency", None)
        d["battery"].pop("discharge_efficiency", None)
    with pytest.raises(DealError) as e:
        deal_from_dict(d, source="hostile.toml")
    msg = str(e.value)
    assert msg.startswith("hostile.toml: ")
    assert path.rsplit(".", 1)[-1] in msg
    assert words in msg, msg
    assert repr(value) in msg or str(value) in msg


def test_ints_are_accepted_where_floats_are_expected():
    d = _with("battery.power_mw", 100)
    deal = deal_from_dict(d)
    assert deal.battery.power_mw == 100.0
    assert isinstance(deal.battery.power_mw, float)


def test_bounds_are_inclusive_and_real_projects_fit():
    deal = deal_from_dict(_with("battery.power_mw", 10_000))
    assert deal.battery.power_mw == 10_000.0
