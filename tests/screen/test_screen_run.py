"""Running screens: failures recorded, resume, output files, backends agree, ranking."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from bessfin.deal import deal_from_dict, run_deal
from bessfin.screen import batches_by_dispatch, load_portfolio, rank, screen, screen_one
from bessfin.screen.output import LEDGER
from bessfin.screen.worker import cache_sizes, clear_caches
from tests.screen.helpers import BAD_ROWS, GRID, write_portfolio

METRICS = ["equity_irr_after_tax", "project_irr_after_tax", "project_npv_after_tax_usd",
           "year1_revenue_usd", "itc_rate", "capex_usd", "avg_cycles_per_year"]


@pytest.fixture
def grid(tmp_path):
    return load_portfolio(write_portfolio(tmp_path, GRID))


def _metrics(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("key").sort_index()[["status", *METRICS]]


def test_worker_row_equals_run_deal(grid):
    spec = grid.specs[0]
    clear_caches()
    row = screen_one(spec)
    assert row["status"] == "ok", row["message"]
    ref = run_deal(deal_from_dict(spec.deal), mode="screening").summary_dict()
    for k in METRICS:
        assert row[k] == pytest.approx(ref[k], rel=1e-9, abs=1e-9), k
    assert row["dispatch_reused"] is False


def test_finance_only_variants_reuse_one_dispatch_and_model(grid):
    clear_caches()
    pwa_true, pwa_false = (s for s in grid.specs[:2])
    assert pwa_true.dispatch_key == pwa_false.dispatch_key
    a, b = screen_one(pwa_true), screen_one(pwa_false)
    assert not a["dispatch_reused"] and b["dispatch_reused"]
    assert a["itc_rate"] == pytest.approx(0.30) and b["itc_rate"] == pytest.approx(0.06)
    assert a["year1_revenue_usd"] == b["year1_revenue_usd"]
    assert a["equity_irr_after_tax"] > b["equity_irr_after_tax"]
    # persistence-day foresight (the deal default) decides in daily windows: one LP per
    # window shape (47-49 h, DST days), all built by the first deal
    models = cache_sizes()["models"]
    other = next(s for s in grid.specs if s.dispatch_key != pwa_true.dispatch_key)
    c = screen_one(other)
    assert not c["dispatch_reused"] and c["build_seconds"] == 0  # same LP shapes: no rebuild
    assert cache_sizes() == {"prices": 2 if other.deal["market"]["node"] != pwa_true.deal[
        "market"]["node"] else 1, "models": models, "lifetimes": 2}


def test_batches_group_by_dispatch(grid):
    batches = batches_by_dispatch(grid.specs, batch_size=8)
    assert len(batches) == 4 and all(len(b) == 2 for b in batches)
    assert all(len({s.dispatch_key for s in b}) == 1 for b in batches)
    assert sorted(s.index for b in batches for s in b) == list(range(8))
    assert [len(b) for b in batches_by_dispatch(grid.specs, batch_size=1)] == [1] * 8


def test_failing_rows_do_not_stop_the_run_and_resume_skips_finished(tmp_path):
    pf = load_portfolio(write_portfolio(tmp_path, BAD_ROWS))
    out = tmp_path / "out"
    report = screen(pf, out, backend="serial")
    status = dict(zip(report.table["id"], report.table["status"], strict=True))
    assert status == {"ok": "ok", "neg-power": "invalid", "no-node": "error"}
    msg = dict(zip(report.table["id"], report.table["message"], strict=True))
    assert "battery.power_mw: must be > 0" in msg["neg-power"]
    assert "UnknownSeriesError" in msg["no-node"] and "NOWHERE_HUB" in msg["no-node"]
    assert report.computed == 2 and report.resumed == 0
    assert report.counts() == {"ok": 1, "invalid": 1, "error": 1}

    again = screen(pf, out, backend="serial")
    assert again.computed == 0 and again.resumed == 2
    pd.testing.assert_frame_equal(_metrics(again.table), _metrics(report.table))

    retried = screen(pf, out, backend="serial", retry_errors=True)
    assert retried.computed == 1 and retried.resumed == 1

    fresh = screen(pf, out, backend="serial", resume=False)
    assert fresh.computed == 2


def test_interrupted_run_resumes_from_the_ledger(tmp_path, grid):
    out = tmp_path / "out"
    full = screen(grid, out, backend="serial")
    ledger = (out / LEDGER).read_text().splitlines()
    assert len(ledger) == 8
    # keep three finished rows and half of a fourth, as if the run had been killed
    (out / LEDGER).write_text("\n".join(ledger[:3]) + "\n" + ledger[3][:40])
    resumed = screen(grid, out, backend="serial")
    assert resumed.resumed == 3 and resumed.computed == 5
    pd.testing.assert_frame_equal(_metrics(resumed.table), _metrics(full.table))
    rows = [json.loads(x) for x in (out / LEDGER).read_text().splitlines() if x.startswith("{")
            and x.endswith("}")]
    assert len({r["key"] for r in rows}) == 8


def test_outputs_csv_parquet_in_portfolio_order(tmp_path, grid):
    report = screen(grid, tmp_path / "out", backend="serial")
    csv = pd.read_csv(report.csv_path)
    assert list(csv["index"]) == list(range(8))
    assert list(csv.columns[:6]) == ["index", "id", "status", "market.node",
                                     "battery.energy_mwh", "itc.pwa"]
    pq = pd.read_parquet(report.parquet_path)
    assert list(pq["key"]) == list(csv["key"])
    assert pq["equity_irr_after_tax"].to_numpy() == pytest.approx(
        csv["equity_irr_after_tax"].to_numpy())


def test_rank_orders_best_first(tmp_path, grid):
    report = screen(grid, tmp_path / "out", backend="serial")
    top = rank(report.table, "equity_irr_after_tax", top=3)
    assert len(top) == 3
    assert list(top["equity_irr_after_tax"]) == sorted(report.table["equity_irr_after_tax"],
                                                       reverse=True)[:3]
    cheap = rank(report.table, "lcos_usd_per_mwh", top=None)
    assert cheap["lcos_usd_per_mwh"].is_monotonic_increasing
    with pytest.raises(ValueError, match="cannot rank by"):
        rank(report.table, "nonsense")


def test_serial_and_process_pool_agree(tmp_path):
    pf = load_portfolio(write_portfolio(tmp_path, GRID + BAD_ROWS))
    serial = screen(pf, tmp_path / "serial", backend="serial")
    pool = screen(pf, tmp_path / "pool", backend="process", workers=2, batch_size=2)
    assert pool.workers == 2
    # 3 rows x 8 grid points; "no-node" pins the node, so 4 of its 8 are duplicates
    assert len(serial.table) == 20 and pf.duplicates == 4
    assert serial.counts() == {"ok": 8, "invalid": 8, "error": 4}
    # Serial and pool runs warm-start the LPs in different orders; where the optimum is
    # degenerate they return schedules of equal LP objective but slightly different discharged
    # MWh, which the pro forma charges variable O&M on. On the small SPP deal annualised x6.19
    # (issue 11) this moves lifetime NPV by $30-60 of ~$0.3-6M (1e-4 near zero), not bit for
    # bit as before. Equal to 1e-3 relative; follow-up: a tie-break on throughput in the LP.
    pd.testing.assert_frame_equal(_metrics(pool.table), _metrics(serial.table), rtol=1e-3)
    ran = pool.table[pool.table["status"] != "invalid"]  # invalid rows never leave this process
    pids = {int(w.rsplit(":", 1)[1]) for w in ran["worker"]}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # ran in the pool's processes


def test_dask_local_cluster_gives_the_same_rows(tmp_path, grid):
    import distributed  # noqa: F401  (in the test extras: CI must run this)
    serial = screen(grid, tmp_path / "serial", backend="serial")
    dask = screen(grid, tmp_path / "dask", backend="dask", workers=2, batch_size=1)
    assert dask.backend == "dask" and dask.workers == 2
    # warm starts in another order land on other optimal vertices where the LP is degenerate
    # (see test_serial_and_process_pool_agree): seen 1e-6 on an IRR
    pd.testing.assert_frame_equal(_metrics(dask.table), _metrics(serial.table), rtol=1e-3)
    pids = {int(w.rsplit(":", 1)[1]) for w in dask.table["worker"]}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_workers_of_both_backends_settle_their_imports():
    """Pool and local Dask workers freeze their import-time objects (gc.freeze) before the
    first deal, so full collections skip them (bessfin.screen.worker.settle_imports)."""
    import gc

    from bessfin.screen.backends import DaskBackend, ProcessBackend

    pool = ProcessBackend(1)
    try:
        with pool._spawning():
            frozen = pool._pool.submit(gc.get_freeze_count).result(timeout=120)
    finally:
        pool.close()
    assert frozen > 10_000
    dask = DaskBackend(1)
    try:
        counts = dask.client.run(gc.get_freeze_count)
    finally:
        dask.close()
    assert len(counts) == 1 and min(counts.values()) > 10_000
