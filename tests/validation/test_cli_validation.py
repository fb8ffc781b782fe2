"""Issue 11 through the command line: part years, ITC contradictions and overrides, price
columns: one line and exit 2 when refused, and the opt-ins reported in the terminal."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from bessfin.cli import ExitCode, app
from tests.screen.helpers import BASE

runner = CliRunner()

#: The small SPP test deal (it opts in to annualising), energy only, 2-year life.
SMALL = BASE.read_text().replace("life_years = 4", "life_years = 2").replace(
    'price_years = [2022]', 'price_years = [2022]\nproducts = []')


def _deal(tmp_path, text: str):
    p = tmp_path / "deal.toml"
    p.write_text(text)
    return p


def _one_line(r) -> str:
    assert r.exit_code == ExitCode.BAD_INPUT, (r.exit_code, r.stdout, r.stderr)
    errors = [ln for ln in r.stderr.strip().splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
    return errors[0]


def test_run_refuses_the_spp_part_year_without_the_opt_in(tmp_path):
    text = SMALL.replace('partial_year = "annualise"\n', "")
    assert "partial_year" not in text
    line = _one_line(runner.invoke(app, ["run", str(_deal(tmp_path, text)), "--no-report",
                                         "--mode", "screening"]))
    assert "price year 2022" in line and "1,415 of 8,760 hours" in line


def test_run_with_the_opt_in_reports_the_annualisation(tmp_path):
    deal = _deal(tmp_path, SMALL)
    r = runner.invoke(app, ["run", str(deal), "--no-report", "--no-sensitivity", "--mode",
                            "screening"])
    assert r.exit_code in (0, ExitCode.CHECK_FAILED), r.stderr
    assert "note: SPP small: price year 2022 annualised: 1,415 of 8,760 hours" in r.stdout
    r = runner.invoke(app, ["run", str(deal), "--no-report", "--no-sensitivity", "--json",
                            "--mode", "screening"])
    s = json.loads(r.stdout)
    assert s["annualised_price_years"] == [2022]
    assert s["price_year_coverage"][0]["hours_used"] == 1415
    assert s["macr_status"] == "not applicable" and s["itc_override"] is None


def test_an_itc_contradiction_is_one_line_and_an_override_is_printed(tmp_path):
    text = SMALL.replace("boc_date = 2025-10-01", "boc_date = 2026-03-01")
    text = text.replace("dc_block_usd_per_kwh = 180\n", "")
    text += '\n[supply]\noption = "china-import"\n'
    assert "[itc]" in text
    bad = text.replace("[itc]\n", "[itc]\nmacr = 1.0\n")
    line = _one_line(runner.invoke(app, ["run", str(_deal(tmp_path, bad)), "--no-report"]))
    assert "itc.macr = 1 but [supply] option 'china-import' computes 0" in line
    ok = bad.replace("[itc]\n", '[itc]\noverride = true\noverride_reason = "audited MACR"\n')
    r = runner.invoke(app, ["run", str(_deal(tmp_path, ok)), "--no-report", "--no-sensitivity",
                            "--mode", "screening"])
    assert r.exit_code in (0, ExitCode.CHECK_FAILED), r.stderr
    assert "note: SPP small: ITC override: audited MACR (itc.macr = 1" in r.stdout


def test_dispatch_refuses_a_part_year_unless_asked(tmp_path):
    line = _one_line(runner.invoke(app, ["dispatch", "spp 2022 SPPNORTH_HUB", "--energy-only"]))
    assert "1,415 of 8,760 hours" in line and "--partial-year annualise" in line
    r = runner.invoke(app, ["dispatch", "spp 2022 SPPNORTH_HUB", "--energy-only",
                            "--partial-year", "annualise", "--json"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["coverage"]["hours_used"] == 1415 and out["coverage"]["complete"] is False
    r = runner.invoke(app, ["dispatch", "spp 2022 SPPNORTH_HUB", "--energy-only",
                            "--start", "2022-02-10", "--end", "2022-02-20"])
    assert r.exit_code == 0, r.stderr  # an explicit window is the user's choice


def test_dispatch_price_column(tmp_path):
    ts = pd.date_range("2024-03-01", periods=72, freq="h", tz="UTC")
    f = tmp_path / "two.csv"
    pd.DataFrame({"timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "price": 30 + 20 * np.sin(np.arange(72) / 4), "lmp": 31.0}).to_csv(f,
                                                                                      index=False)
    line = _one_line(runner.invoke(app, ["dispatch", str(f), "--iso", "ercot",
                                         "--partial-year", "annualise"]))
    assert "several candidate energy price columns" in line
    r = runner.invoke(app, ["dispatch", str(f), "--iso", "ercot", "--partial-year",
                            "annualise", "--price-column", "price", "--json"])
    assert r.exit_code == 0, r.stderr
