"""Execution backends behind one interface: serial, local process pool, Dask distributed.

Each backend runs :func:`bessfin.screen.worker.screen_batch` over batches of specs and yields
``(batch, rows)`` as batches complete, or ``(batch, exception)`` when the batch itself could not
run (a worker process died, a Dask task was lost). Deal-level failures never surface here: the
worker turns them into rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

from bessfin.screen.spec import DealSpec
from bessfin.screen.worker import init_worker, screen_batch

BackendName = Literal["serial", "process", "dask"]
BACKENDS: tuple[str, ...] = ("serial", "process", "dask")

Batch = list[DealSpec]
Outcome = tuple[Batch, "list[dict[str, Any]] | BaseException"]


class ScreenBackendError(ValueError):
    """A backend that cannot start (unknown name, missing optional dependency)."""


class Backend(Protocol):
    """Runs batches and yields outcomes in completion order."""

    name: str
    workers: int

    def run(self, batches: Sequence[Batch]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """Usable cores of this process (affinity-aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


class SerialBackend:
    """Everything in this process, in order: for debugging (breakpoints, tracebacks)."""

    name = "serial"

    def __init__(self, threads: int = 1):
        self.workers = 1
        self.threads = threads

    def run(self, batches: Sequence[Batch]) -> Iterator[Outcome]:
        for batch in batches:
            yield batch, screen_batch(batch, self.threads)

    def close(self) -> None:
        pass


class ProcessBackend:
    """A local process pool (spawned workers, one HiGHS thread each)."""

    name = "process"

    def __init__(self, workers: int | None = None, threads: int = 1):
        self.workers = workers or default_workers()
        self.threads = threads
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(threads,),
        )

    def run(self, batches: Sequence[Batch]) -> Iterator[Outcome]:
        futures = {self._pool.submit(screen_batch, b, self.threads): b for b in batches}
        try:
            for fut in cf.as_completed(futures):
                try:
                    yield futures[fut], fut.result()
                except Exception as e:  # BrokenProcessPool and the like
                    yield futures[fut], e
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ScreenBackendError(
            "the Dask backend needs dask.distributed: pip install 'bessfin[dask]' "
            "(or 'dask[distributed]')"
        ) from None
    return distributed


class DaskBackend:
    """Dask distributed: an existing scheduler (``tcp://host:8786``) or a LocalCluster of
    ``workers`` single-threaded worker processes.

    Workers must have bessfin installed; they load prices from its shipped files once per
    worker process and keep built models locally (see :mod:`bessfin.screen.worker`).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 threads: int = 1):
        distributed = _import_distributed()
        self.threads = threads
        self._cluster = None
        if scheduler is None:
            n = workers or default_workers()
            self._cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
            )
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(scheduler, timeout="20s")
            except OSError as e:
                raise ScreenBackendError(f"cannot reach Dask scheduler {scheduler}: {e}") from None
        self.workers = len(self._client.scheduler_info().get("workers", {})) or (workers or 1)
        self._as_completed = distributed.as_completed

    @property
    def client(self) -> Any:
        return self._client

    def run(self, batches: Sequence[Batch]) -> Iterator[Outcome]:
        token = uuid.uuid4().hex[:8]
        keys = [f"bessfin-screen-{b[0].key[:16]}-{token}" for b in batches]
        futures = self._client.map(screen_batch, list(batches), key=keys, pure=False,
                                   threads=self.threads)
        by_key = {f.key: b for f, b in zip(futures, batches, strict=True)}
        try:
            for fut, result in self._as_completed(futures, with_results=True,
                                                  raise_errors=False):
                yield by_key[fut.key], result
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_backend(
    name: str, *, workers: int | None = None, scheduler: str | None = None, threads: int = 1
) -> Backend:
    """The backend called ``name`` (``serial``, ``process`` or ``dask``); a scheduler address
    implies Dask."""
    if scheduler is not None and name != "dask":
        raise ScreenBackendError(f"--scheduler needs the dask backend, not {name!r}")
    if name == "serial":
        return SerialBackend(threads)
    if name == "process":
        return ProcessBackend(workers, threads)
    if name == "dask":
        return DaskBackend(workers, scheduler, threads)
    raise ScreenBackendError(f"backend must be one of {list(BACKENDS)}, got {name!r}")
