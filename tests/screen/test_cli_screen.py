"""``bessfin screen`` through the CLI: JSON on stdout, resume, ranking, exit codes."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

import bessfin.cli.screen  # noqa: F401  (registers the command)
from bessfin.cli.common import ExitCode, app
from tests.screen.helpers import BAD_ROWS, GRID, write_portfolio

runner = CliRunner()


def test_screen_json_then_resume(tmp_path):
    pf = write_portfolio(tmp_path, GRID)
    out = tmp_path / "out"
    args = ["screen", str(pf), "--out", str(out), "--backend", "serial", "--json",
            "--top", "3"]
    r = runner.invoke(app, args)
    assert r.exit_code == ExitCode.OK, r.output
    data = json.loads(r.stdout)
    assert data["deals"] == 8 and data["computed"] == 8 and data["status"] == {"ok": 8}
    assert data["rank_by"] == "equity_irr_after_tax"
    irrs = [row["equity_irr_after_tax"] for row in data["ranked"]]
    assert len(irrs) == 3 and irrs == sorted(irrs, reverse=True)
    assert {"market.node", "battery.energy_mwh", "itc.pwa"} <= set(data["ranked"][0])
    table = pd.read_csv(data["files"]["csv"])
    assert irrs[0] == table["equity_irr_after_tax"].max()
    assert "computed" in r.stderr  # logs on stderr

    again = runner.invoke(app, args)
    assert again.exit_code == ExitCode.OK, again.output
    assert json.loads(again.stdout)["computed"] == 0
    assert json.loads(again.stdout)["resumed"] == 8


def test_screen_table_output_lists_failures_on_stderr(tmp_path):
    pf = write_portfolio(tmp_path, BAD_ROWS)
    r = runner.invoke(app, ["screen", str(pf), "--backend", "serial",
                            "--rank-by", "project_irr_after_tax"])
    assert r.exit_code == ExitCode.OK, r.output
    assert "top 1 by project_irr_after_tax" in r.stdout
    assert "invalid: neg-power" in r.stderr and "error: no-node" in r.stderr
    assert (tmp_path / "pf.toml.screen" / "results.csv").exists()


def test_bad_portfolio_is_exit_2_one_line(tmp_path):
    pf = write_portfolio(tmp_path, "grids = {}\n")
    r = runner.invoke(app, ["screen", str(pf), "--backend", "serial"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "did you mean 'grid'" in r.stderr and "Traceback" not in r.stderr
    r = runner.invoke(app, ["screen", str(write_portfolio(tmp_path, GRID)), "--rank-by", "x"])
    assert r.exit_code == ExitCode.BAD_INPUT and "--rank-by" in r.stderr
    r = runner.invoke(app, ["screen", str(write_portfolio(tmp_path, GRID)),
                            "--backend", "threads"])
    assert r.exit_code == ExitCode.BAD_INPUT and "backend must be one of" in r.stderr
