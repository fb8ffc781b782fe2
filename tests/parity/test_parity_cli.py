"""``bessfin parity``: JSON on stdout, CSV / plot files, exit 2 on bad names."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import bessfin.cli.parity  # noqa: F401  (registers the command)
from bessfin.cli.common import ExitCode, app

runner = CliRunner()


def test_parity_json_csv_and_plot(deal_file, tmp_path, monkeypatch, lifetime):
    import matplotlib  # noqa: F401  (a core dependency)
    calls = []

    def cached_dispatch(deal, mode="full", **_):
        calls.append(mode)
        return lifetime  # same deal and prices as the session fixture: skip the re-dispatch

    monkeypatch.setattr(bessfin.cli.parity, "dispatch_deal", cached_dispatch)
    csv, png = tmp_path / "t.csv", tmp_path / "c.png"
    r = runner.invoke(app, ["parity", str(deal_file), "--options",
                            "china-import,korea-japan,fully-domestic", "--tiers", "none,base,pwa",
                            "--json", "--csv", str(csv), "--plot", str(png)])
    assert r.exit_code == ExitCode.OK, r.output
    assert calls == ["screening"]
    data = json.loads(r.stdout)  # stdout is JSON only; logs went to stderr
    assert "dispatch" in r.stderr
    assert len(data["options"]) == 9
    rows = {(o["option"], o["itc_tier"]): o for o in data["options"]}
    assert rows[("china-import", "pwa")]["itc_rate"] == 0.0  # BOC 2026: MACR fails
    assert rows[("fully-domestic", "pwa")]["itc_rate"] == pytest.approx(0.30)
    assert rows[("china-import", "pwa")]["macr_threshold"] == pytest.approx(0.55)
    tariffs = {b["itc_tier"]: b for b in data["breakeven_tariff"]}
    assert tariffs["none"]["found"]
    assert tariffs["none"]["value"] == pytest.approx(256.0 / 196.59 - 1.0, abs=1e-6)
    assert not tariffs["pwa"]["found"] and tariffs["pwa"]["value"] is None
    assert tariffs["pwa"]["message"].startswith("no break-even in [0%, 200%]")
    assert len(data["breakeven_cell_price"]) == 3
    table = pd.read_csv(csv)
    assert len(table) == 9 and {"option", "itc_tier", "itc_reason"} <= set(table.columns)
    assert png.stat().st_size > 1000


def test_parity_human_output(deal_file, monkeypatch, lifetime):
    monkeypatch.setattr(bessfin.cli.parity, "dispatch_deal", lambda deal, mode="full": lifetime)
    r = runner.invoke(app, ["parity", str(deal_file), "--options", "china-import,fully-domestic",
                            "--tiers", "base", "--metric", "lcos_usd_per_mwh"])
    assert r.exit_code == ExitCode.OK, r.output
    assert "fully-domestic" in r.stdout and "break-even [base]" in r.stdout
    assert "LCOS without credits equal at import_duty_rate = 30.2203%" in r.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["--options", "china-import,mars-import"], "valid supply options: china-import"),
    (["--domestic-option", "moon-made"], "'moon-made'"),
    (["--tiers", "gold"], "valid ITC tiers: deal, none"),
    (["--metric", "vibes"], "valid metrics: project_irr_after_tax"),
    (["--tariff-scenario", "nope"], "valid scenarios: current-law"),
])
def test_bad_names_exit_2_with_valid_names(deal_file, args, expected):
    r = runner.invoke(app, ["parity", str(deal_file), *args, "--json"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert expected in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_missing_deal_file_exit_2(tmp_path):
    r = runner.invoke(app, ["parity", str(tmp_path / "none.toml")])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "no such deal file" in r.stderr
