"""Portfolio files: grid expansion, overrides, stable ids, CSV cells, invalid rows."""

from __future__ import annotations

import pytest

from bessfin.deal import load_deal, set_path
from bessfin.screen import PortfolioError, load_portfolio
from bessfin.screen.spec import dispatch_key, parse_cell
from tests.screen.helpers import BASE, GRID, write_portfolio


def test_grid_expands_to_product_with_overrides_applied(tmp_path):
    pf = load_portfolio(write_portfolio(tmp_path, GRID))
    assert len(pf.specs) == 2 * 2 * 2
    assert pf.override_columns == ["market.node", "battery.energy_mwh", "itc.pwa"]
    combos = {(s.deal["market"]["node"], s.deal["battery"]["energy_mwh"], s.deal["itc"]["pwa"])
              for s in pf.specs}
    assert len(combos) == 8
    first = pf.specs[0]
    assert first.overrides == {"market.node": "SPPNORTH_HUB", "battery.energy_mwh": 50,
                               "itc.pwa": True}
    # untouched keys come from the base deal
    assert first.deal["battery"]["power_mw"] == load_deal(BASE).battery.power_mw
    assert [s.index for s in pf.specs] == list(range(8))
    assert all(s.valid and s.mode == "screening" for s in pf.specs)


def test_ids_are_stable_and_change_with_the_deal(tmp_path):
    a = load_portfolio(write_portfolio(tmp_path, GRID))
    b = load_portfolio(write_portfolio(tmp_path, GRID, "again.toml"))
    assert [s.key for s in a.specs] == [s.key for s in b.specs]
    assert [s.id for s in a.specs] == [s.key[:12] for s in a.specs]
    assert len({s.key for s in a.specs}) == 8
    full = load_portfolio(write_portfolio(tmp_path, GRID), mode="full")
    assert not {s.key for s in full.specs} & {s.key for s in a.specs}


def test_deals_sharing_dispatch_inputs_share_a_dispatch_key(tmp_path):
    pf = load_portfolio(write_portfolio(tmp_path, GRID))
    keys = {}
    for s in pf.specs:
        keys.setdefault((s.deal["market"]["node"], s.deal["battery"]["energy_mwh"]),
                        set()).add(s.dispatch_key)
    assert all(len(v) == 1 for v in keys.values())  # ITC tier does not change dispatch
    assert len({next(iter(v)) for v in keys.values()}) == 4
    deal = load_deal(BASE)
    other = deal.model_copy(update={"degradation": deal.degradation.model_copy(
        update={"calendar_per_year": 0.03})})
    assert dispatch_key(deal, "screening") != dispatch_key(other, "screening")
    assert dispatch_key(deal, "screening") != dispatch_key(deal, "full")


def test_rows_cross_the_grid_and_set_has_lowest_precedence(tmp_path):
    body = """
[set]
"battery.energy_mwh" = 80
"project.life_years" = 3

[grid]
"itc.pwa" = [true, false]

[[deals]]
id = "a"

[[deals]]
id = "b"
"itc.pwa" = true
"battery.energy_mwh" = 60
"""
    pf = load_portfolio(write_portfolio(tmp_path, body))
    # row b pins itc.pwa, so its two grid points are the same deal: one is dropped
    assert [s.id for s in pf.specs] == ["a/0", "a/1", "b/0"]
    assert pf.duplicates == 1
    assert pf.specs[0].deal["battery"]["energy_mwh"] == 80
    assert pf.specs[2].deal["battery"]["energy_mwh"] == 60
    assert all(s.deal["project"]["life_years"] == 3 for s in pf.specs)


def test_invalid_rows_are_recorded_not_raised(tmp_path):
    body = """
[[deals]]
id = "good"
[[deals]]
id = "bad"
"battery.power_mw" = -5
[[deals]]
id = "typo"
"battery.enrgy_mwh" = 10
"""
    pf = load_portfolio(write_portfolio(tmp_path, body))
    by_id = {s.id: s for s in pf.specs}
    assert by_id["good"].valid
    assert "battery.power_mw: must be > 0, got -5" in by_id["bad"].error
    assert "did you mean 'energy_mwh'" in by_id["typo"].error
    assert by_id["bad"].dispatch_key == ""
    assert len(pf.invalid) == 2


def test_csv_portfolio_parses_cells_and_matches_toml(tmp_path):
    csv = tmp_path / "pf.csv"
    csv.write_text(
        "id,base,market.node,battery.energy_mwh,itc.pwa,market.price_years\n"
        f"n50,{BASE.as_posix()},SPPNORTH_HUB,50,true,[2022]\n"
        f"s100,{BASE.as_posix()},SPPSOUTH_HUB,100,false,\n"
    )
    pf = load_portfolio(csv)
    assert [s.id for s in pf.specs] == ["n50", "s100"]
    assert pf.specs[0].overrides == {"market.node": "SPPNORTH_HUB", "battery.energy_mwh": 50,
                                     "itc.pwa": True, "market.price_years": [2022]}
    assert "market.price_years" not in pf.specs[1].overrides  # empty cell inherits
    toml = load_portfolio(write_portfolio(tmp_path, GRID))
    same = next(s for s in toml.specs if s.overrides == {
        "market.node": "SPPNORTH_HUB", "battery.energy_mwh": 50, "itc.pwa": True})
    assert pf.specs[0].key == same.key  # key is of the validated deal, not the file format


def test_csv_base_option_and_relative_base(tmp_path):
    (tmp_path / "deal.toml").write_text(BASE.read_text())
    (tmp_path / "rel.csv").write_text("base,battery.energy_mwh\ndeal.toml,70\n")
    assert load_portfolio(tmp_path / "rel.csv").specs[0].valid
    (tmp_path / "nobase.csv").write_text("battery.energy_mwh\n70\n")
    with pytest.raises(PortfolioError, match="nobase.csv: rows 1 name no base deal"):
        load_portfolio(tmp_path / "nobase.csv")  # nothing to override: a file-level error
    assert load_portfolio(tmp_path / "nobase.csv", base=BASE).specs[0].valid


@pytest.mark.parametrize("body, match", [
    ('grids = {}\n', "did you mean 'grid'"),
    ('[grid]\n"battery.energy_mwh" = 50\n', "non-empty list"),
    ('mode = "fast"\n', "mode must be one of"),
    ('[[deals]]\nid = "x"\n[[deals]]\nid = "x"\n"battery.energy_mwh" = 60\n', "more than one"),
])
def test_file_level_problems_raise(tmp_path, body, match):
    with pytest.raises(PortfolioError, match=match):
        load_portfolio(write_portfolio(tmp_path, body))


def test_missing_files_raise(tmp_path):
    with pytest.raises(PortfolioError, match="no such portfolio"):
        load_portfolio(tmp_path / "none.csv")
    p = tmp_path / "pf.toml"
    p.write_text('base = "missing.toml"\n')
    with pytest.raises(PortfolioError, match="no such base deal file"):
        load_portfolio(p)
    with pytest.raises(PortfolioError, match=".toml or .csv"):
        load_portfolio(tmp_path / "pf.json")


def test_parse_cell_and_set_path():
    assert parse_cell("400") == 400
    assert parse_cell(" true ") is True
    assert parse_cell("[2024, 2025]") == [2024, 2025]
    assert parse_cell("HB_HOUSTON") == "HB_HOUSTON"
    assert parse_cell("current-law") == "current-law"
    assert str(parse_cell("2025-10-01")) == "2025-10-01"
    d = {"market": {"node": "A"}}
    set_path(d, "market.node", "B")
    set_path(d, "debt.rate", 0.07)
    assert d == {"market": {"node": "B"}, "debt": {"rate": 0.07}}
    with pytest.raises(ValueError, match="is a value, not a section"):
        set_path(d, "market.node.x", 1)


def test_keys_do_not_depend_on_the_hash_seed(tmp_path):
    """Resume matches keys across processes: sets in the deal (e.g. capex.itc_eligible)
    must not leak their per-process iteration order into the key."""
    import os
    import subprocess
    import sys

    pf = write_portfolio(tmp_path, GRID)
    code = ("import sys; from bessfin.screen import load_portfolio; "
            "print(','.join(s.key + s.dispatch_key for s in load_portfolio(sys.argv[1]).specs))")
    outs = {subprocess.run([sys.executable, "-c", code, str(pf)], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1
    assert outs.pop().strip() == ",".join(s.key + s.dispatch_key
                                          for s in load_portfolio(pf).specs)
