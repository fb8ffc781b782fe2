"""Price-year worker processes (bessfin.dispatch.pool) change where a life is solved, not what.

Each price year keeps its models, warm-start bases and order of solves in its home worker,
so a life dispatched there must equal the same life in one process bit for bit; the cache's
model bookkeeping (count, keys, dropping) must see the workers' models; a worker's failure
must reach the caller as the same error, and a dead worker as a clear one.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bessfin.deal import dispatch_deal, load_deal
from bessfin.dispatch import SolverError, SolveStatus
from bessfin.dispatch.lifetime import drop_models, model_keys, models_in
from bessfin.dispatch.pool import (
    POOL_KEY,
    PriceYearPool,
    PriceYearWorkerLost,
    pool_of,
    price_year_workers,
)
from tests.processes import alive, children, gone

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ercot_houston_2h_merchant.toml"


def _short(mode_years: int = 3):
    """The ERCOT example (persistence-day foresight, 2024 and 2025) over a short life."""
    deal = load_deal(EXAMPLE)
    return deal.model_copy(update={"project": deal.project.model_copy(
        update={"life_years": mode_years})})


@pytest.fixture(scope="module")
def in_process():
    deal, cache = _short(), {}  # one job: the screening life re-uses the full life's models
    return {mode: dispatch_deal(deal, mode=mode, cache=cache, workers=1)
            for mode in ("full", "screening")}


@pytest.fixture(scope="module")
def pooled():
    deal = _short()
    cache: dict = {}
    with price_year_workers(cache, 2) as pool:
        out = {mode: dispatch_deal(deal, mode=mode, cache=cache)
               for mode in ("full", "screening")}
        keys = model_keys(cache)
        yield {"lives": out, "cache": cache, "pool": pool, "keys": keys,
               "models": models_in(cache)}


@pytest.mark.parametrize("mode", ["full", "screening"])
def test_life_on_workers_equals_life_in_one_process(in_process, pooled, mode):
    a, b = pooled["lives"][mode], in_process[mode]
    assert a.annual.columns.equals(b.annual.columns)
    np.testing.assert_array_equal(a.annual.to_numpy(float), b.annual.to_numpy(float))
    np.testing.assert_array_equal(a.scenarios.to_numpy(float), b.scenarios.to_numpy(float))
    for py in (2024, 2025):  # year-1 schedules come back whole
        assert a.first_years[py].schedule.equals(b.first_years[py].schedule)


def test_each_price_year_has_one_home(pooled):
    pool = pooled["pool"]
    assert {pool.home(2024), pool.home(2025)} == {0, 1}
    assert pool.home(2024) == pool.home(2024)


def test_models_are_counted_and_kept_in_the_workers(pooled, in_process):
    cache, keys = pooled["cache"], pooled["keys"]
    # nothing is built in this process: every model sits in a worker, keyed by price year
    assert all(len(k) == 4 and k[0] == POOL_KEY for k in keys)
    assert {k[2] for k in keys} == {("price year", 2024), ("price year", 2025)}
    assert pooled["models"] == len(keys) > 0
    assert pooled["lives"]["full"].models_built == in_process["full"].models_built
    assert pool_of(cache) is pooled["pool"]


def test_dropping_models_reaches_the_workers():
    cache: dict = {}
    with price_year_workers(cache, 2):
        dispatch_deal(_short(1), mode="full", cache=cache)
        had = model_keys(cache)
        one = sorted(had, key=repr)[0]
        assert drop_models(cache, had - {one}) == 1
        assert model_keys(cache) == had - {one}
        assert models_in(cache) == len(had) - 1
    assert POOL_KEY not in cache  # the workers stop with the block


def test_one_worker_means_this_process():
    cache: dict = {}
    with price_year_workers(cache, 1) as pool:
        assert pool is None and cache == {}


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_worker_count_is_checked(bad):
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        PriceYearPool(bad)


def test_solver_error_survives_the_trip_back():
    e = pickle.loads(pickle.dumps(SolverError(SolveStatus.INFEASIBLE, "window 3")))
    assert isinstance(e, SolverError) and e.status is SolveStatus.INFEASIBLE
    assert str(e) == str(SolverError(SolveStatus.INFEASIBLE, "window 3"))


def test_a_dead_worker_is_a_clear_error():
    deal = _short(1)
    cache: dict = {}
    with price_year_workers(cache, 2) as pool:
        dispatch_deal(deal, mode="full", cache=cache)
        victim = pool.home(2024)
        pid = next(iter(pool._executor(victim)._processes))
        os.kill(pid, signal.SIGKILL)
        cache.pop("year results")  # make it dispatch again
        with pytest.raises(PriceYearWorkerLost, match=f"price-year worker {victim} died"):
            dispatch_deal(deal, mode="full", cache=cache)


def test_two_settlement_life_on_workers_equals_one_process():
    """DA+RT: the real-time leg's prices and models travel to the workers too."""
    deal = load_deal(EXAMPLE.with_name("ercot_houston_2h_dart.toml"))
    deal = deal.model_copy(update={"project": deal.project.model_copy(
        update={"life_years": 1})})
    here = dispatch_deal(deal, cache={}, workers=1)
    cache: dict = {}
    with price_year_workers(cache, 2):
        there = dispatch_deal(deal, cache=cache)
    np.testing.assert_array_equal(there.annual.to_numpy(float), here.annual.to_numpy(float))
    assert set(there.settlements) == set(here.settlements) == {2024, 2025}
    for py in (2024, 2025):
        assert there.first_years[py].schedule.equals(here.first_years[py].schedule)


def _run_script(tmp_path, body: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``body`` as a script (no ``__main__`` guard) after loading the example deal."""
    script = tmp_path / "job.py"
    script.write_text(
        "from bessfin.deal import dispatch_deal, load_deal\n"
        "from bessfin.dispatch.pool import price_year_workers\n"
        f"deal = load_deal({str(EXAMPLE)!r})\n" + body)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=timeout)


def test_an_unguarded_script_runs_once(tmp_path):
    """Workers do not import the job's __main__ again: a script without the
    ``if __name__ == "__main__":`` guard runs once, not once more per worker."""
    r = _run_script(tmp_path, (
        "deal = deal.model_copy(update={'project': deal.project.model_copy("
        "update={'life_years': 1})})\n"
        "print('script body ran', flush=True)\n"
        "cache = {}\n"
        "with price_year_workers(cache, 2) as pool:\n"
        "    life = dispatch_deal(deal, cache=cache)\n"
        "    assert pool.models() > 0\n"
        "print('life', round(float(life.annual['price_years'].iloc[0])))\n"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count("script body ran") == 1
    assert "life 2" in r.stdout


def test_workers_end_with_a_killed_job(tmp_path):
    """A job killed mid-life (no clean-up) leaves no price-year worker behind."""
    # orphaned workers would also hold the script's stdout open: the run would time out
    r = _run_script(tmp_path, (
        "import os, threading, time\n"
        "cache = {}\n"
        "with price_year_workers(cache, 2) as pool:\n"
        "    threading.Thread(target=dispatch_deal, args=(deal,),\n"
        "                     kwargs={'cache': cache}, daemon=True).start()\n"
        "    while len([e for e in pool._executors if e is not None]) < 2:\n"
        "        time.sleep(0.05)\n"
        "    time.sleep(1.0)  # both workers busy\n"
        "    pids = [p for e in pool._executors for p in e._processes]\n"
        "    print(*pids, flush=True)\n"
        "    os._exit(0)  # killed: no clean-up runs\n"), timeout=120)
    pids = [int(p) for p in r.stdout.split()]
    assert len(pids) == 2, r.stderr[-2000:]
    assert gone(pids)


@pytest.mark.skipif(sys.platform != "linux", reason="signals and process tree on Linux")
def test_sigterm_to_bessfin_run_stops_its_workers():
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bessfin.cli import app; app()", "run", str(EXAMPLE),
         "--no-report", "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(
            [p for p in children(proc.pid) if alive(p)]) < 3:  # 2 workers + resource tracker
        time.sleep(0.1)
    workers = children(proc.pid)
    assert proc.poll() is None and len(workers) >= 3, proc.stderr.read().decode()[-2000:]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert gone(workers)


def _refuse_in_a_worker() -> None:
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        raise ImportError("no such class here")


class _OnlyHere:
    """Inputs that pickle in the job's process but cannot be loaded in a worker (as a class
    defined in the calling script)."""

    def __reduce__(self):
        return _refuse_in_a_worker, ()


def test_inputs_a_worker_cannot_load_are_a_clear_error_and_the_pool_lives_on():
    pool = PriceYearPool(1)
    try:
        for _ in range(2):  # the second time too: the inputs were never marked as sent
            with pytest.raises(RuntimeError, match="cannot load the dispatch inputs"):
                pool.settle("key", _OnlyHere, 2024, 1.0, 1.0, 1.0)
        assert pool.model_keys() == set()  # the worker is still there
        with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
            pool.settle("other", lambda: (lambda: None), 2024, 1.0, 1.0, 1.0)
        with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
            pool.settle("other", lambda: (lambda: None), 2024, 1.0, 1.0, 1.0)
    finally:
        pool.close()


def test_nested_blocks_share_one_pool():
    cache: dict = {}
    with price_year_workers(cache, 2) as outer:
        with price_year_workers(cache, 2) as inner:
            assert inner is outer
        assert pool_of(cache) is outer
    assert pool_of(cache) is None
