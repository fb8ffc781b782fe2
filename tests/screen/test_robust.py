"""Screening under hostile conditions: a worker killed mid-deal, SIGTERM to the main process,
values that would break the Parquet writer, formula-like ids, bad options and outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

import bessfin.cli.screen  # noqa: F401  (registers the command)
from bessfin.cli.common import ExitCode, app
from bessfin.screen import ProcessBackend, load_portfolio, screen
from tests.processes import children, gone
from tests.screen.helpers import BASE, write_portfolio

runner = CliRunner()

#: Five deals with distinct dispatches (so five batches), one of which kills its worker.
KILL_ROWS = "".join(f'[[deals]]\nid = "{i}"\n"battery.energy_mwh" = {50 + 10 * k}\n'
                    for k, i in enumerate(["a", "b", "boom", "c", "d"]))


def test_killed_worker_loses_only_its_deal_and_the_rest_are_rerun(tmp_path, monkeypatch):
    """Through the CLI (one process pool start-up is the slow part, so one test): the deal
    whose worker was SIGKILLed is ``failed``, the others are computed on a fresh pool, the
    counts say so, the exit code is 4, and the next run computes only the failed deal."""
    from tests.screen import killer

    real = ProcessBackend.__init__
    made: list[ProcessBackend] = []

    def with_killer(self, workers=None, threads=1, fn=None):
        real(self, workers=2, threads=threads, fn=killer.screen_one_or_die)
        made.append(self)

    monkeypatch.setattr(ProcessBackend, "__init__", with_killer)
    pf = write_portfolio(tmp_path, KILL_ROWS)
    r = runner.invoke(app, ["screen", str(pf), "--json", "--batch-size", "1"])
    assert r.exit_code == ExitCode.INTERNAL_ERROR, r.output
    data = json.loads(r.stdout)
    assert data["computed"] == 4 and data["failed"] == 1 and data["resumed"] == 0
    assert data["status"] == {"ok": 4, "failed": 1}
    assert "1 failed (worker lost)" in r.stderr and "re-run" in r.stderr
    assert made and made[0].restarts >= 1
    table = pd.read_csv(data["files"]["csv"]).set_index("id")
    assert table["status"].to_dict() == {"a": "ok", "b": "ok", "boom": "failed", "c": "ok",
                                         "d": "ok"}
    assert "WorkerLost" in table.loc["boom", "message"]
    assert "died while running this deal" in table.loc["boom", "message"]
    # the failed deal is not in the ledger: the next run computes it, and only it
    again = screen(load_portfolio(pf), tmp_path / "pf.toml.screen", backend="serial")
    assert again.resumed == 4 and again.computed == 1 and again.failed == 0
    assert set(again.table["status"]) == {"ok"}


@pytest.mark.skipif(sys.platform != "linux", reason="signals and process tree on Linux")
def test_sigterm_to_main_process_stops_its_workers(tmp_path):
    grid = '[grid]\n"battery.energy_mwh" = [' + ", ".join(str(40 + k) for k in range(60)) + "]\n"
    pf = write_portfolio(tmp_path, grid)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bessfin.cli import app; app()", "screen", str(pf),
         "--workers", "2", "--batch-size", "1", "--mode", "full"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=os.getcwd(),
    )
    ledger = tmp_path / "pf.toml.screen" / "results.jsonl"
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        if len(workers) >= 2 and ledger.exists() and ledger.stat().st_size > 0:
            break  # the pool is up and computing
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read().decode()
    workers = children(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=60)
    assert rc == 128 + signal.SIGTERM, proc.stderr.read().decode()
    assert gone(workers)
    assert 0 < sum(1 for _ in ledger.open()) < 60  # finished deals kept, run stopped early


def test_boolean_column_with_yes_is_normalised_and_parquet_written(tmp_path):
    csv = tmp_path / "pf.csv"
    csv.write_text(f"id,base,itc.pwa\nA,{BASE},yes\nB,{BASE},false\nC,{BASE},maybe\n")
    report = screen(load_portfolio(csv), tmp_path / "out", backend="serial")
    status = dict(zip(report.table["id"], report.table["status"], strict=True))
    assert status == {"A": "ok", "B": "ok", "C": "invalid"}
    assert report.parquet_path is not None
    back = pd.read_parquet(report.parquet_path).set_index("id")
    assert back.loc["A", "itc.pwa"] == "True" and back.loc["B", "itc.pwa"] == "False"
    assert back.loc["C", "itc.pwa"] == "maybe"  # a mixed column is stored as text
    assert report.table.set_index("id").loc["A", "itc_rate"] == pytest.approx(0.30)
    assert report.table.set_index("id").loc["B", "itc_rate"] == pytest.approx(0.06)


def test_parquet_failure_keeps_the_ranked_table(tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise ValueError("cannot convert")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    pf = load_portfolio(write_portfolio(tmp_path, '[[deals]]\nid = "x"\n'))
    report = screen(pf, tmp_path / "out", backend="serial")
    assert report.parquet_path is None and not (tmp_path / "out" / "results.parquet").exists()
    assert pd.read_csv(report.csv_path)["status"].tolist() == ["ok"]
    assert len(report.ranked()) == 1


def test_formula_like_ids_are_neutralised_in_csv_only(tmp_path):
    ids = ["=1+2", "+SUM(A1)", "-3", "@cmd", "plain"]
    rows = "".join(f'[[deals]]\nid = "{i}"\n"battery.energy_mwh" = {50 + k}\n'
                   for k, i in enumerate(ids))
    pf = load_portfolio(write_portfolio(tmp_path, rows))
    report = screen(pf, tmp_path / "out", backend="serial")
    written = pd.read_csv(report.csv_path, keep_default_na=False)["id"].tolist()
    assert written == ["'=1+2", "'+SUM(A1)", "'-3", "'@cmd", "plain"]
    ledger = [json.loads(line)["id"] for line in report.ledger_path.open()]
    assert sorted(ledger) == sorted(ids)  # the ledger keeps them as given
    assert report.table["id"].tolist() == ids
    assert report.table["battery.energy_mwh"].dtype.kind in "if"  # numbers stay numbers


def test_markup_in_row_ids_and_messages_is_printed_literally(tmp_path):
    rows = ('[[deals]]\nid = "[/red]ok"\n\n[[deals]]\nid = "[bold]bad"\n'
            '"battery.power_mw" = -1\n')
    pf = write_portfolio(tmp_path, rows)
    r = runner.invoke(app, ["screen", str(pf), "--backend", "serial"], env={"COLUMNS": "300"})
    assert r.exit_code == ExitCode.OK, r.output
    assert "invalid: [bold]bad: " in r.stderr and "[/red]ok" in r.stdout


@pytest.mark.parametrize("args, text", [
    (["--workers", "0"], "--workers must be >= 1, got 0"),
    (["--top", "-1"], "--top must be >= 1, got -1"),
    (["--batch-size", "0"], "--batch-size must be >= 1"),
    (["--backend", "threads"], "--backend must be one of"),
    (["--mode", "fast"], "--mode must be screening or full"),
    (["--scheduler", "tcp://x:1", "--backend", "serial"], "--scheduler needs --backend dask"),
])
def test_bad_options_are_refused_before_any_output(tmp_path, args, text):
    pf = write_portfolio(tmp_path, '[[deals]]\nid = "x"\n')
    r = runner.invoke(app, ["screen", str(pf), *args])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert text in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pf.toml.screen").exists()


def test_csv_portfolio_without_base_is_exit_2(tmp_path):
    csv = tmp_path / "pf.csv"
    csv.write_text("id,battery.energy_mwh\nA,100\n")
    r = runner.invoke(app, ["screen", str(csv), "--backend", "serial"])
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "rows 1 name no base deal" in r.stderr and "--base" in r.stderr
    assert not (tmp_path / "pf.csv.screen").exists()


def test_out_paths(tmp_path):
    pf = write_portfolio(tmp_path, '[[deals]]\nid = "x"\n')
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = runner.invoke(app, ["screen", str(pf), "--backend", "serial", "--out", str(afile)])
    assert r.exit_code == ExitCode.BAD_INPUT and "is a file; expected a directory" in r.stderr
    # a CSV portfolio called results.csv in the output directory would be overwritten
    csv = tmp_path / "results.csv"
    csv.write_text(f"id,base\nA,{BASE}\n")
    r = runner.invoke(app, ["screen", str(csv), "--backend", "serial", "--out", str(tmp_path)])
    assert r.exit_code == ExitCode.BAD_INPUT and "would overwrite the input" in r.stderr
    assert csv.read_text() == f"id,base\nA,{BASE}\n"
