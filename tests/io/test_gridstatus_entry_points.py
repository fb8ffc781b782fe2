"""User gridstatus prices for NYISO, ISO-NE and MISO (no shipped prices) through the two user
entry points: ``bessfin dispatch FILE --iso ... --as-prices ... --reserve-zone ...`` and a deal
file's ``[market] price_file / as_price_file / reserve_zone``.

Frames (tests/io/conftest.py) are saved as gridstatus users save them (``to_csv(index=False)``,
``to_parquet``). The AS revenue of each product is checked against award x the chosen zone's
price computed here from the raw frame (rows picked by the zone label, 5-minute ISO-NE
regulation averaged by reshape), so a wrong zone, a wrong column or an unused product fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bessfin.cli import ExitCode, app
from bessfin.deal import DealError, load_deal, run_deal
from tests.deals.conftest import EXAMPLES

runner = CliRunner()

#: gridstatus column -> product id, written out here (not read from the market TOML).
NYISO_AS = {"10 Min Spin Reserves": "spin10", "10 Min Non-Spin Reserves": "nonsync10",
            "30 Min Reserves": "res30", "Regulation Capacity": "reg"}
ISONE_RESERVES = {"TMSR Clearing Price": "tmsr", "TMNSR Clearing Price": "tmnsr",
                  "TMOR Clearing Price": "tmor"}
MISO_AS = {"Regulation": "reg", "Spin": "spin", "Supplemental": "supp", "STR": "str",
           "Ramp Up": "ramp_up"}


@pytest.fixture(scope="module")
def files(tmp_path_factory, nyiso, isone, miso) -> dict[str, Path]:
    """The frames saved to files, as a user saves them."""
    d = tmp_path_factory.mktemp("gridstatus")
    out = {}
    for name, frame, kind in [
        ("nyiso_lmp", nyiso["lmp"], "csv"), ("nyiso_as", nyiso["as"], "csv"),
        ("isone_lmp", isone["lmp"], "csv"), ("isone_reg", isone["reg"], "parquet"),
        ("isone_rt", isone["rt"], "csv"),
        ("miso_lmp", miso["lmp"], "parquet"), ("miso_as", miso["as"], "csv"),
    ]:
        path = d / f"{name}.{kind}"
        if kind == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path)
        out[name] = path
    return out


def _zone_prices(frame: pd.DataFrame, column: str, label: object,
                 names: dict[str, str]) -> pd.DataFrame:
    """Hourly prices by product id of the rows whose ``column`` is ``label``, in time order."""
    rows = frame[frame[column] == label].sort_values("Interval Start")
    return rows[list(names)].rename(columns=names).reset_index(drop=True)


def _dispatch(tmp_path: Path, lmp: Path, iso: str, node: str, as_files: list[Path],
              zone: str | None = None) -> tuple[dict, pd.DataFrame]:
    """``bessfin dispatch`` with --json and --schedule-out: (summary, schedule)."""
    out = tmp_path / f"schedule_{iso}_{zone or 'node'}.csv".replace(" ", "_")
    args = ["dispatch", str(lmp), "--iso", iso, "--node", node, "--power-mw", "50",
            "--energy-mwh", "200", "--partial-year", "annualise", "--json",
            "--schedule-out", str(out)]
    for f in as_files:
        args += ["--as-prices", str(f)]
    if zone is not None:
        args += ["--reserve-zone", zone]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout), pd.read_csv(out)


def _check_paid_at(summary: dict, schedule: pd.DataFrame, prices: pd.DataFrame) -> dict:
    """Each product's revenue is its award x the given prices; the co-optimised awards are
    non-zero where the prices are positive. Returns the awards [MW-h] by product."""
    revenue = summary["revenue_by_stream_usd"]
    assert len(schedule) == len(prices)
    awards = {}
    for pid in prices.columns:
        award = schedule[f"{pid}_mw"].to_numpy()
        paid = float((award * prices[pid].to_numpy()).sum())
        assert schedule[f"revenue_{pid}"].sum() == pytest.approx(paid, rel=1e-9, abs=1e-6), pid
        assert revenue[pid] == pytest.approx(paid, abs=0.006), pid  # JSON: whole cents
        awards[pid] = float(award.sum())
        if (prices[pid] > 0).all():
            assert awards[pid] > 0 and revenue[pid] > 0, pid
    return awards


def _total(schedule: pd.DataFrame) -> float:
    """Total revenue [$] of a written schedule (all its revenue columns, unrounded)."""
    return float(schedule.filter(like="revenue_").to_numpy().sum())


def _as_revenue(summary: dict, products) -> float:
    return sum(summary["revenue_by_stream_usd"][p] for p in products)


# --------------------------------------------------------------------------- bessfin dispatch


def test_cli_nyiso_zone_by_node_and_by_option(files, nyiso, tmp_path):
    lmp, asf = files["nyiso_lmp"], files["nyiso_as"]
    by_node, sched = _dispatch(tmp_path, lmp, "nyiso", "N.Y.C.", [asf])
    _check_paid_at(by_node, sched, _zone_prices(nyiso["as"], "Zone", "N.Y.C.", NYISO_AS))
    west, sched_w = _dispatch(tmp_path, lmp, "nyiso", "N.Y.C.", [asf], zone="WEST")
    _check_paid_at(west, sched_w, _zone_prices(nyiso["as"], "Zone", "WEST", NYISO_AS))
    # the fixture's western reserve prices are lower (east/west split): less AS revenue
    assert _as_revenue(west, NYISO_AS.values()) < _as_revenue(by_node, NYISO_AS.values())


def test_cli_isone_several_frames_and_reserve_zone(files, isone, tmp_path):
    as_files = [files["isone_reg"], files["isone_rt"]]
    ros, sched = _dispatch(tmp_path, files["isone_lmp"], "isone", ".H.INTERNAL_HUB", as_files,
                           zone="7000")
    prices = _zone_prices(isone["rt"], "Reserve Zone Id", 7000, ISONE_RESERVES)
    prices["reg"] = isone["reg"]["Reg Capacity Clearing Price"].to_numpy().reshape(-1, 12).mean(1)
    awards = _check_paid_at(ros, sched, prices)
    assert awards["reg"] > 0 and awards["tmsr"] > 0  # regulation (5-min frame) and reserves
    # zone by its name: Connecticut's TMSR and TMNSR prices are $0.10/MW-h above ROS every hour
    ct, sched_ct = _dispatch(tmp_path, files["isone_lmp"], "isone", ".H.INTERNAL_HUB", as_files,
                             zone=".Z.CT")
    ct_prices = _zone_prices(isone["rt"], "Reserve Zone Name", ".Z.CT", ISONE_RESERVES)
    _check_paid_at(ct, sched_ct, ct_prices)
    # ROS's schedule is feasible in CT and earns 0.10 more per MW-h of TMSR + TMNSR there, so
    # the CT optimum is at least that much higher (perfect foresight, same limits)
    gain = 0.10 * (awards["tmsr"] + awards["tmnsr"])
    assert gain > 0
    total_ros, total_ct = _total(sched), _total(sched_ct)
    assert total_ros == pytest.approx(ros["revenue_total_usd"], abs=0.05)
    assert total_ct >= total_ros + gain - 1e-7 * total_ros  # LP optimality tolerance


def test_cli_miso_reserve_zone(files, miso, tmp_path):
    z1, sched = _dispatch(tmp_path, files["miso_lmp"], "miso", "INDIANA.HUB",
                          [files["miso_as"]], zone="Zone 1")
    a1 = _check_paid_at(z1, sched, _zone_prices(miso["as"], "Zone", "Zone 1", MISO_AS))
    z3, sched3 = _dispatch(tmp_path, files["miso_lmp"], "miso", "INDIANA.HUB",
                           [files["miso_as"]], zone="zone 3")  # any case
    _check_paid_at(z3, sched3, _zone_prices(miso["as"], "Zone", "Zone 3", MISO_AS))
    assert a1["reg"] > 0
    assert z3["revenue_by_stream_usd"]["reg"] != pytest.approx(z1["revenue_by_stream_usd"]["reg"])


def _error(*args: object) -> str:
    r = runner.invoke(app, ["dispatch", *map(str, args)])
    assert r.exit_code == ExitCode.BAD_INPUT, (r.exit_code, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "Traceback" not in r.stderr
    assert sum(ln.startswith("error: ") for ln in lines) == 1
    return lines[-1]


def test_cli_errors(files, tmp_path):
    lmp, asf = files["miso_lmp"], files["miso_as"]
    base = [lmp, "--iso", "miso", "--node", "INDIANA.HUB", "--partial-year", "annualise"]
    line = _error(*base, "--as-prices", asf, "--reserve-zone", "Zone 9")
    assert line.startswith("error: --reserve-zone: ") and "'Zone 9'" in line
    assert "['Zone 1', 'Zone 2', 'Zone 3']" in line  # the frame's zones
    assert "miso.toml" in line  # and where the market's reserve zones are defined
    line = _error(*base, "--as-prices", asf)  # several zones, none chosen
    assert line.startswith("error: --reserve-zone: ") and "several regions" in line
    line = _error(*base, "--as-prices", tmp_path / "missing.csv")
    assert line.startswith("error: --as-prices: no such file") and "missing.csv" in line
    line = _error(*base, "--as-prices", asf, "--reserve-zone", " ")
    assert line.startswith("error: --reserve-zone: ")
    # a zone for frames that have no zones (ISO-NE regulation is one system price)
    line = _error(files["isone_lmp"], "--iso", "isone", "--node", ".H.INTERNAL_HUB",
                  "--partial-year", "annualise", "--as-prices", files["isone_reg"],
                  "--reserve-zone", "7000")
    assert line.startswith("error: --reserve-zone: ") and "no AS frame has a region" in line
    for option, value in (("--as-prices", asf), ("--reserve-zone", "Zone 1")):
        line = _error("ercot 2024 HB_HOUSTON", option, value)
        assert line.startswith(f"error: {option} applies to a price file, not a shipped series")
    # a price file that is not a gridstatus LMP frame (shipped layout)
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"timestamp_utc": pd.date_range("2024-03-09", periods=48, freq="h", tz="UTC"),
                  "lmp": 30.0}).to_csv(plain, index=False)
    for option, value in (("--as-prices", asf), ("--reserve-zone", "Zone 1")):
        line = _error(plain, "--iso", "miso", "--partial-year", "annualise", option, value)
        assert line.startswith(f"error: {option}: ") and "not a gridstatus LMP frame" in line


# --------------------------------------------------------------------------- deal files


def _deal_file(folder: Path, name: str, market: str) -> Path:
    """The ERCOT example deal moved to another market on 2 years of life (fast)."""
    text = (EXAMPLES / "ercot_houston_2h_merchant.toml").read_text()
    old = 'iso = "ercot"\nnode = "HB_HOUSTON"\nprice_years = [2024, 2025]\nescalation = 0.02\n'
    for a, b in [(old, market), ("life_years = 20", "life_years = 2"),
                 ("years = [9]", "years = []"), ("tenor_years = 10", "tenor_years = 2")]:
        assert a in text, a
        text = text.replace(a, b)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def _market(iso: str, node: str, lmp: str, as_files: list[str], zone: str | None) -> str:
    lines = [f'iso = "{iso}"', f'node = "{node}"', "price_years = [2024]",
             f'price_file = "{lmp}"', 'price_format = "gridstatus"',
             "as_price_file = " + (json.dumps(as_files[0]) if len(as_files) == 1
                                   else json.dumps(as_files)),
             # a few days of prices: cut by days, annualised (issue 11's partial-year rule)
             'on_missing = "drop-days"', 'partial_year = "annualise"', 'foresight = "perfect"']
    if zone is not None:
        lines.append(f'reserve_zone = "{zone}"')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def deal_dir(files) -> Path:
    """Deal files next to the price files (relative names are read next to the deal)."""
    return files["nyiso_lmp"].parent


def _year1(res, products) -> dict[str, float]:
    annual = res.lifetime.annual
    return {p: float(annual.loc[1, p]) for p in products}


@pytest.mark.parametrize(("iso", "node", "lmp", "as_files", "zones", "products"), [
    ("nyiso", "N.Y.C.", "nyiso_lmp.csv", ["nyiso_as.csv"], ("N.Y.C.", "WEST"),
     list(NYISO_AS.values())),
    ("isone", ".H.INTERNAL_HUB", "isone_lmp.csv", ["isone_reg.parquet", "isone_rt.csv"],
     ("7000", ".Z.CT"), ["reg", "tmsr", "tmnsr", "tmor"]),
    ("miso", "INDIANA.HUB", "miso_lmp.parquet", ["miso_as.csv"], ("Zone 1", "Zone 3"),
     ["reg", "spin", "supp", "str", "ramp_up"]),
])
def test_deal_file_runs_on_gridstatus_files_and_zone(deal_dir, iso, node, lmp, as_files,
                                                     zones, products):
    results = []
    for zone in zones:
        path = _deal_file(deal_dir, f"{iso}_{zone}".replace(" ", "_"),
                          _market(iso, node, lmp, as_files, zone))
        deal = load_deal(path)
        assert deal.market.reserve_zone == zone
        assert deal.market.as_price_files == tuple(str(deal_dir / f) for f in as_files)
        res = run_deal(deal, mode="full")
        year1 = _year1(res, products)
        assert all(v > 0 for v in year1.values()), year1  # every AS product co-optimised
        assert f"reserve zone {zone}" in res.summary_dict()["price_source"]
        results.append(year1)
    # the two zones' prices differ, and so does the AS revenue
    assert sum(results[0].values()) != pytest.approx(sum(results[1].values()), rel=1e-6)


def test_deal_reserve_zone_rules(deal_dir, files):
    base = _market("miso", "INDIANA.HUB", "miso_lmp.parquet", ["miso_as.csv"], None)
    # only with gridstatus AS files
    for market, message in [
        (base.replace('price_format = "gridstatus"\n', "").replace(
            'as_price_file = "miso_as.csv"\n', "") + 'reserve_zone = "Zone 1"\n',
         "reserve_zone needs price_format = 'gridstatus'"),
        (base.replace('as_price_file = "miso_as.csv"\n', "") + 'reserve_zone = "Zone 1"\n',
         "reserve_zone needs as_price_file"),
        (base + 'reserve_zone = ""\n', "market.reserve_zone: expected a zone name"),
        (base.replace('as_price_file = "miso_as.csv"', "as_price_file = []"),
         "market.as_price_file: .*one or more files"),
    ]:
        with pytest.raises(DealError, match=message):
            load_deal(_deal_file(deal_dir, "bad", market))
    # a zone the frames do not have: the key, the frame's zones and the market's zone list
    deal = load_deal(_deal_file(deal_dir, "zone9", base + 'reserve_zone = "Zone 9"\n'))
    with pytest.raises(DealError) as e:
        run_deal(deal, mode="full")
    text = str(e.value)
    assert text.startswith("market.reserve_zone: ") and "'Zone 9'" in text
    assert "['Zone 1', 'Zone 2', 'Zone 3']" in text and "miso.toml" in text
    # no zone and several in the frame
    with pytest.raises(DealError, match=r"^market.reserve_zone: .*several regions"):
        run_deal(load_deal(_deal_file(deal_dir, "nozone", base)), mode="full")
    # a missing AS file
    deal = load_deal(_deal_file(deal_dir, "missing", base.replace("miso_as.csv", "gone.csv")))
    with pytest.raises(DealError, match=r"^market.as_price_file: no such file .*gone.csv"):
        run_deal(deal, mode="full")


def test_isone_deal_needs_a_zone_when_frames_have_several(deal_dir):
    market = _market("isone", ".H.INTERNAL_HUB", "isone_lmp.csv",
                     ["isone_reg.parquet", "isone_rt.csv"], None)
    with pytest.raises(DealError, match=r"^market.reserve_zone: .*several regions.*"
                       r"System \(7000\)"):
        run_deal(load_deal(_deal_file(deal_dir, "isone_nozone", market)), mode="full")


def test_zone_revenue_is_not_a_price_of_another_iso(files):
    """Sanity of the fixture: the zones compared above really have different prices."""
    rt = pd.read_csv(files["isone_rt"])
    ros = rt[rt["Reserve Zone Id"] == 7000]["TMSR Clearing Price"].to_numpy()
    ct = rt[rt["Reserve Zone Id"] == 7001]["TMSR Clearing Price"].to_numpy()
    np.testing.assert_allclose(ct - ros, 0.1, atol=1e-9)
