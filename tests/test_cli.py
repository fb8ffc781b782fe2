"""The command line: JSON on stdout, one-line errors and documented exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bessfin.cli import ExitCode, app
from bessfin.dispatch import SolverError, SolveStatus

runner = CliRunner()


def test_dispatch_json_is_clean_stdout():
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-08",
                            "--json", "--cycles-per-day", "1.5"])
    assert r.exit_code == ExitCode.OK, r.output
    data = json.loads(r.stdout)
    assert data["hours"] == 24 * 7
    assert data["revenue_total_usd"] == pytest.approx(
        sum(data["revenue_by_stream_usd"].values()), abs=0.05)
    assert data["cycles"] <= 1.5 * 7 + 1e-6


def test_dispatch_rolling_forecast_reports_capture_ratio():
    r = runner.invoke(app, ["dispatch", "caiso 2024 TH_SP15", "--start", "2024-06-01",
                            "--end", "2024-06-15", "--forecast", "persistence-day", "--json"])
    assert r.exit_code == ExitCode.OK, r.output
    data = json.loads(r.stdout)
    assert 0 < data["capture_ratio"] <= 1


def test_bad_node_is_exit_2_with_one_line():
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_NOWHERE"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "HB_NOWHERE" in r.stderr and "HB_HOUSTON" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_prices_are_refused_then_dropped_on_request():
    r = runner.invoke(app, ["dispatch", "caiso 2023 TH_SP15", "--json"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "264" in r.stderr and "lmp_th_sp15" in r.stderr
    r = runner.invoke(app, ["dispatch", "caiso 2023 TH_SP15", "--json", "--on-missing",
                            "drop-days", "--end", "2023-01-20", "--energy-only"])
    assert r.exit_code == ExitCode.OK, r.output
    assert json.loads(r.stdout)["start"].startswith("2023-01-12")


def test_tiny_cycle_limit_is_feasible():
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02",
                            "--cycles-per-day", "0.0001", "--energy-only", "--json"])
    assert r.exit_code == ExitCode.OK
    assert json.loads(r.stdout)["cycles"] <= 0.0001 + 1e-9


def test_solver_failure_is_exit_3(monkeypatch):
    import bessfin.cli.dispatch

    def infeasible(*args, **kwargs):
        raise SolverError(SolveStatus.INFEASIBLE, "test")

    monkeypatch.setattr(bessfin.cli.dispatch, "dispatch", infeasible)
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02"])
    assert r.exit_code == ExitCode.SOLVER_FAILED
    assert "infeasible" in r.stderr


def test_bad_option_value_is_exit_2():
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--horizon", "yearly"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "horizon must be one of" in r.stderr
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--energy-mwh", "-5"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "--energy-mwh" in r.stderr and "-5" in r.stderr  # the option, not the field
    assert len(r.stderr.strip().splitlines()) == 1


def test_dispatch_as_limits_options():
    week = ["--start", "2024-08-05", "--end", "2024-08-08", "--json"]
    capped = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", *week,
                                 "--as-limit", "rrs=10MW", "--as-limit", "reg_up=0.1"])
    free = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", *week, "--as-limits", "none"])
    assert capped.exit_code == free.exit_code == ExitCode.OK, capped.output + free.output
    lim, ceiling = json.loads(capped.stdout), json.loads(free.stdout)
    assert lim["as_limits_mw"]["rrs"] == pytest.approx(10.0)
    assert lim["as_limits_mw"]["reg_up"] == pytest.approx(10.0)  # 0.1 x 100 MW
    assert lim["as_limits_mw"]["ecrs"] == pytest.approx(1660 / 7800 * 100)  # market default
    assert set(ceiling["as_limits_mw"].values()) == {None}
    assert lim["revenue_total_usd"] <= ceiling["revenue_total_usd"] + 1e-6


@pytest.mark.parametrize(("args", "needle"), [
    (["--as-limit", "rrs=30"], "not a fraction of power"),
    (["--as-limit", "regup=0.1"], "no product 'regup'"),
    (["--as-limit", "rrs"], "PRODUCT=VALUE"),
    (["--as-limits", "some"], "expected 'default', 'none'"),
])
def test_dispatch_bad_as_limit_is_exit_2(args, needle):
    r = runner.invoke(app, ["dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02", *args])
    assert r.exit_code == ExitCode.BAD_INPUT, r.output
    assert needle in r.stderr and "Traceback" not in r.stderr
