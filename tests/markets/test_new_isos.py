"""NYISO, ISO-NE and MISO definitions: products, directions, dates, clocks, sources."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from bessfin.markets import Market, get_market


@pytest.mark.parametrize(("iso", "products"), [
    ("nyiso", ["reg", "spin10", "nonsync10", "res30"]),
    ("isone", ["reg", "tmsr", "tmnsr", "tmor", "eir"]),
    ("miso", ["reg", "spin", "supp", "str", "ramp_up", "ramp_down"]),
])
def test_products_and_regulation_is_symmetric(iso, products):
    m = get_market(iso)
    assert [p.id for p in m.products] == products
    reg = m.product("reg")
    assert reg.direction == "symmetric" and reg.needs_up and reg.needs_down
    assert not m.shipped and m.files == ()
    assert m.sources, "every definition names its tariffs, manuals or notices"
    for p in m.products:
        assert p.gridstatus_names, f"{iso} {p.id} has no gridstatus name"
        for rule in p.durations:  # no sourced storage duration: each is a named assumption
            assert "assumption '" in rule.source and "UNCERTAIN" in rule.source


def test_nyiso_and_isone_regulation_pay_mileage_miso_does_not_here():
    assert get_market("nyiso").product("reg").mileage is not None
    assert get_market("isone").product("reg").mileage is not None
    assert get_market("miso").product("reg").mileage is None  # no MCP in gridstatus frames


def test_isone_dasi_dates():
    eir = get_market("isone").product("eir")
    assert eir.available(pd.DatetimeIndex(["2025-02-28", "2025-03-01"])).tolist() == [
        False, True]


def test_miso_runs_on_eastern_standard_time():
    tz = get_market("miso").timezone
    july = pd.Timestamp("2024-07-01 12:00", tz="UTC").tz_convert(tz)
    january = pd.Timestamp("2024-01-01 12:00", tz="UTC").tz_convert(tz)
    assert july.hour == january.hour == 7  # UTC-5 all year, no daylight saving


def test_reserve_zones_resolve_locations_and_aliases():
    nyiso = get_market("nyiso")
    assert nyiso.reserve_zone_of("LONGIL").name == "Long Island"
    assert nyiso.reserve_zone_of("SENY").name == "SENY"
    assert nyiso.reserve_zone_of("N.Y.C.") is None  # per-load-zone prices: matched by name
    assert get_market("isone").reserve_zone_of("7000").name == "System"


def test_a_gridstatus_name_cannot_name_two_products():
    data = get_market("miso").model_dump()
    data["products"][1]["gridstatus_names"] = ["regulation"]  # spin claims reg's name
    with pytest.raises(ValidationError, match="names both 'reg' and 'spin'"):
        Market.model_validate(data)


def test_award_charge_must_name_known_products():
    data = get_market("isone").model_dump()
    assert data["award_charges"][0]["products"] == ("tmsr", "tmnsr", "tmor", "eir")
    data["award_charges"][0]["products"] = ["tmsr", "reg_up"]
    with pytest.raises(ValidationError, match=r"names unknown products \['reg_up'\]"):
        Market.model_validate(data)
