"""Price-year worker processes: the price years of a job's lives dispatched side by side.

A deal's operating year is valued on each of its historical price years, and each price year
keeps its own live LP models and warm-start bases (``lifetime._models_of``), so the price
years of one operating year are independent work. Threads cannot run them side by side: a
rolling year is ~366 HiGHS solves of ~0.25 ms with ~0.15 ms of Python each, and two threads
mostly hand the GIL back and forth (docs/performance.md). Here each price year gets a *home*
worker process that dispatches all its years for the whole job (life, revenue ladder,
P50/P90, tornado) and keeps its models there; the job's process sends a year's inputs once
and then (price year, scales, capacity) per year, and gets revenue totals back (the whole
result only at full capacity, where year-1 schedules come from).

Use it around a job that passes one model cache to every step::

    cache: dict = {}
    with price_year_workers(cache, 2):
        life = dispatch_deal(deal, cache=cache)      # price years in two processes
        ...

The numbers do not depend on it: a price year's models, bases and sequence of solves are
the same in its worker as in one process (``tests/dispatch/test_pool.py``). Worker
processes are spawned (HiGHS threads do not survive a fork) when first needed, without
importing the job's ``__main__`` again (``bessfin.common.modules.main_not_rerun``), so a
script that uses them needs no ``if __name__ == "__main__":`` guard, but a settlement or
forecaster class defined in that script cannot reach them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bessfin.common.modules import main_not_rerun

#: Key of the pool inside a job's model cache.
POOL_KEY = "price-year workers"


class PriceYearWorkerLost(RuntimeError):
    """A price-year worker process died (killed, out of memory or crashed)."""


# -- the worker side (module state of each worker process) ------------------------------------
_STATE: dict[str, dict] = {"inputs": {}, "cache": {}}


def _settle(key: Hashable, payload: bytes | None, py: int, ke: float, ka: float, cf: float
            ) -> tuple[Any, float, float, int]:
    """Dispatch price year ``py`` of the inputs known as ``key`` (their pickle ``payload`` sent
    along the first time) on this worker's models: (result, solve s, build s, models now
    held). The result is whole at full capacity (``cf == 1``), else revenue totals. An error
    comes back as itself when it can travel, else as a ``ValueError`` (bad input) or
    ``RuntimeError`` with its name and message."""
    from bessfin.dispatch.lifetime import YearOutcome, models_in, settle_year

    known = _STATE["inputs"]
    try:
        if payload is not None:
            try:
                known[key] = pickle.loads(payload)
            except Exception as e:
                raise RuntimeError(
                    f"a price-year worker cannot load the dispatch inputs ({type(e).__name__}: "
                    f"{e}); a settlement or forecaster class defined in the calling script "
                    "cannot reach worker processes: define it in a module, or run with one "
                    "process (bessfin run --workers 1)") from None
        cache = _STATE["cache"]
        r = settle_year(known[key], py, ke, ka, cf, cache)
        out = r if cf == 1.0 else YearOutcome(r.revenue_by_stream, r.discharged_mwh)
        return out, r.solve_seconds, r.build_seconds, models_in(cache)
    except Exception as e:
        try:
            pickle.loads(pickle.dumps(e))
        except Exception:  # e.g. keyword-only constructor arguments: its kind and message
            kind = ValueError if isinstance(e, ValueError) else RuntimeError
            raise kind(f"{type(e).__name__}: {e}") from None
        raise


def _exit_with_parent() -> None:
    """Worker initializer: end this process when the job's process is gone (killed, say),
    instead of idling as an orphan until its queue breaks."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _model_keys() -> set[tuple]:
    from bessfin.dispatch.lifetime import model_keys

    return model_keys(_STATE["cache"])


def _drop(keys: set[tuple]) -> int:
    """Remove the models at ``keys`` (from :func:`_model_keys`); models now held."""
    from bessfin.dispatch.lifetime import drop_models, model_keys, models_in

    cache = _STATE["cache"]
    drop_models(cache, model_keys(cache) - keys)
    return models_in(cache)


# -- the job's side ----------------------------------------------------------------------------
class PriceYearPool:
    """``workers`` single-process executors; price year ``py`` always runs on the same one
    (its home: the first price year seen on worker 0, the next on worker 1, ...)."""

    def __init__(self, workers: int, threads: int | None = 1):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        self.workers = workers
        self.threads = threads
        self._executors: list[ProcessPoolExecutor | None] = [None] * workers
        self._sent: list[set] = [set() for _ in range(workers)]
        self._home: dict[int, int] = {}
        self._models = [0] * workers
        self._lock = threading.Lock()

    def _executor(self, i: int) -> ProcessPoolExecutor:
        ex = self._executors[i]
        if ex is None:
            ex = self._executors[i] = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent)
        return ex

    def home(self, py: int) -> int:
        """The worker that dispatches price year ``py``."""
        with self._lock:
            return self._home.setdefault(py, len(self._home) % self.workers)

    def settle(self, key: Hashable, inputs: Callable[[], Any], py: int, ke: float, ka: float,
               cf: float) -> tuple[Any, float, float]:
        """:func:`bessfin.dispatch.lifetime.settle_year` of ``inputs()`` (called only when
        ``key`` is new to the home worker) on ``py``'s home worker: (result, solve s,
        build s)."""
        i = self.home(py)
        with self._lock:  # sent-once bookkeeping in the order the worker will see it
            # pickled here, so an input that cannot travel fails now and is not marked sent
            payload = None if key in self._sent[i] else pickle.dumps(inputs())
            fut = self._submit(i, _settle, key, payload, py, ke, ka, cf)
            self._sent[i].add(key)
        try:
            out, solve, build, models = self._result(fut, i)
        except Exception:
            if payload is not None:  # the worker may not have kept them: send them again
                with self._lock:
                    self._sent[i].discard(key)
            raise
        with self._lock:
            self._models[i] = models
        return out, solve, build

    def _submit(self, i: int, fn: Callable, *args: Any) -> Future:
        try:
            with main_not_rerun():  # the worker process starts on its first task
                return self._executor(i).submit(fn, *args)
        except BrokenProcessPool as e:
            raise self._lost(i) from e

    def _result(self, fut: Future, i: int) -> Any:
        try:
            return fut.result()
        except BrokenProcessPool as e:
            raise self._lost(i) from e

    @staticmethod
    def _lost(i: int) -> PriceYearWorkerLost:
        return PriceYearWorkerLost(
            f"price-year worker {i} died (killed, out of memory or crashed); run again, or "
            "with one process (bessfin run --workers 1)")

    def _started(self) -> list[int]:
        return [i for i, ex in enumerate(self._executors) if ex is not None]

    def models(self) -> int:
        """Built models held by the workers."""
        return sum(self._models)

    def model_keys(self) -> set[tuple]:
        """``(POOL_KEY, worker, where, structure)`` of every model the workers hold."""
        with self._lock:
            futs = {i: self._submit(i, _model_keys) for i in self._started()}
        return {(POOL_KEY, i, *k) for i, f in futs.items() for k in self._result(f, i)}

    def drop(self, keys: set[tuple]) -> None:
        """Remove the models at ``keys`` (from :meth:`model_keys`)."""
        by_worker: dict[int, set] = {}
        for _, i, where, s in keys:
            by_worker.setdefault(i, set()).add((where, s))
        with self._lock:
            futs = {i: self._submit(i, _drop, ks) for i, ks in by_worker.items()}
        for i, f in futs.items():
            held = self._result(f, i)
            with self._lock:
                self._models[i] = held

    def close(self, wait: bool = True) -> None:
        """Stop the worker processes (their models go with them)."""
        for i, ex in enumerate(self._executors):
            if ex is not None:
                ex.shutdown(wait=wait, cancel_futures=True)
                self._executors[i] = None


def pool_of(cache: dict | None) -> PriceYearPool | None:
    """The price-year pool a job's cache carries, if any."""
    return None if cache is None else cache.get(POOL_KEY)


@contextlib.contextmanager
def price_year_workers(cache: dict, workers: int) -> Iterator[PriceYearPool | None]:
    """Dispatch the price years of every life run on ``cache`` in ``workers`` processes (one
    process does nothing: the job runs as before); the processes stop on exit."""
    if POOL_KEY in cache:  # already inside such a block on this cache: use its workers
        yield cache[POOL_KEY]
        return
    if workers < 2:
        yield None
        return
    pool = cache[POOL_KEY] = PriceYearPool(workers)
    try:
        yield pool
    finally:
        cache.pop(POOL_KEY, None)
        pool.close()
