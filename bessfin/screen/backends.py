"""Execution backends behind one interface: serial, local process pool, Dask distributed.

Each backend runs :func:`bessfin.screen.worker.screen_batch` over batches of specs and yields
``(batch, rows)`` as batches complete, or ``(batch, exception)`` when the batch itself could not
run (a worker process died, a Dask task was lost). Deal-level failures never surface here: the
worker turns them into rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import types
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol

from bessfin.common.modules import main_not_rerun
from bessfin.screen.spec import DealSpec
from bessfin.screen.worker import init_worker, screen_batch, screen_one, settle_imports

log = logging.getLogger(__name__)

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


def abort_backend(backend: Backend) -> None:
    """Stop ``backend`` at once (its ``abort`` if it has one, else ``close``)."""
    stop = getattr(backend, "abort", None)
    (stop or backend.close)()


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


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory, crashed) while running a deal."""


def _marker_path(marker_dir: str, pid: int | None = None) -> str:
    return os.path.join(marker_dir, f"{os.getpid() if pid is None else pid}.running")


def _on_sigterm(signum: int, frame: Any) -> None:  # pragma: no cover  (runs in a worker)
    """A worker stopped by its pool (SIGTERM) is not the one that crashed: it removes its
    in-flight marker before it exits."""
    d = _WORKER.get("marker_dir")
    if d:
        with contextlib.suppress(OSError):
            os.unlink(_marker_path(d))
    os._exit(128 + signum)


_WORKER: dict[str, Any] = {}


def init_pool_worker(threads: int, marker_dir: str) -> None:
    """Process-pool initializer: HiGHS threads, the in-flight marker folder, SIGTERM exit,
    imports settled (:func:`bessfin.screen.worker.settle_imports`)."""
    init_worker(threads)
    settle_imports()
    _WORKER["marker_dir"] = marker_dir
    signal.signal(signal.SIGTERM, _on_sigterm)


def run_marked(fn: Callable[[DealSpec, int], dict[str, Any]], batch: Batch,
               threads: int) -> list[dict[str, Any]]:
    """Run ``fn`` on each spec of ``batch`` in a pool worker, with the spec in flight named
    in ``<marker_dir>/<pid>.running`` while it runs: a worker that dies leaves it behind."""
    marker = _marker_path(_WORKER["marker_dir"])
    rows = []
    for spec in batch:
        with open(marker, "w") as f:
            f.write(spec.key)
        rows.append(fn(spec, threads))
        os.unlink(marker)
    return rows


class ProcessBackend:
    """A local process pool (spawned workers, one HiGHS thread each).

    When a worker process dies (SIGKILL, out of memory, a crash in native code) the pool is
    broken for every deal still queued. The backend then reports only the deal that was in
    flight on the dead worker (a :class:`WorkerLost` outcome; each worker names the deal it
    runs in a marker file, and the workers the pool stops remove theirs), and runs every
    other unfinished deal on a fresh pool. If no marker is left (the worker died between
    deals), the unfinished deals are retried once more before they are reported lost.

    Parameters
    ----------
    workers : worker processes (default: usable cores).
    threads : HiGHS threads per solve.
    fn : the per-deal function run in the workers (module level, so it pickles); default
        :func:`bessfin.screen.worker.screen_one`.
    """

    name = "process"

    #: Pool restarts without an identified culprit before unfinished deals are given up.
    MAX_BLIND_RESTARTS = 1

    def __init__(self, workers: int | None = None, threads: int = 1,
                 fn: Callable[[DealSpec, int], dict[str, Any]] = screen_one):
        if workers is not None and workers < 1:
            raise ScreenBackendError(f"workers must be >= 1, got {workers}")
        self.workers = workers or default_workers()
        self.threads = threads
        self.fn = fn
        self.restarts = 0
        self._markers = tempfile.mkdtemp(prefix="bessfin-screen-")
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_pool_worker,
            initargs=(self.threads, self._markers),
        )

    def _spawning(self) -> contextlib.AbstractContextManager:
        """Workers need not import the job's ``__main__`` when ``fn`` is one of bessfin's own
        functions (anything else, a partial included, may need the calling script)."""
        if isinstance(self.fn, types.FunctionType) and self.fn.__module__.startswith("bessfin."):
            return main_not_rerun()
        return contextlib.nullcontext()

    def _left_markers(self) -> dict[str, str]:
        """Spec key -> pid of every marker a dead worker left."""
        out = {}
        for name in os.listdir(self._markers):
            path = os.path.join(self._markers, name)
            with contextlib.suppress(OSError):
                with open(path) as f:
                    out[f.read().strip()] = name.removesuffix(".running")
                os.unlink(path)
        return out

    def run(self, batches: Sequence[Batch]) -> Iterator[Outcome]:
        queue = [list(b) for b in batches]
        blind = 0
        while queue:
            with self._spawning():  # workers start on the first submissions
                futures = {self._pool.submit(run_marked, self.fn, b, self.threads): i
                           for i, b in enumerate(queue)}
            done: set[int] = set()
            broken: BaseException | None = None
            try:
                for fut in cf.as_completed(futures):
                    i = futures[fut]
                    try:
                        rows = fut.result()
                    except BrokenProcessPool as e:
                        broken = e
                        break
                    except Exception as e:  # the batch could not run (e.g. pickling)
                        done.add(i)
                        yield queue[i], e
                        continue
                    done.add(i)
                    yield queue[i], rows
            finally:
                if broken is None:
                    for fut in futures:
                        fut.cancel()
            if broken is None:
                return
            # The pool is broken: collect results that made it, then find the culprit.
            for fut, i in futures.items():
                if i not in done and fut.done() and not fut.cancelled() \
                        and fut.exception() is None:
                    done.add(i)
                    yield queue[i], fut.result()
            unfinished = [queue[i] for i in range(len(queue)) if i not in done]
            queue, lost = self._restart(unfinished)
            yield from lost
            blind = 0 if lost else blind + 1
            if blind > self.MAX_BLIND_RESTARTS:
                for b in queue:
                    yield b, WorkerLost(f"worker processes died {blind} times with no deal "
                                        f"in flight: {broken}")
                return

    def _restart(self, unfinished: list[Batch]) -> tuple[list[Batch], list[Outcome]]:
        """After the pool broke: the deal each dead worker was running as a lost outcome,
        every other unfinished deal to run again on a fresh pool."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        culprits = self._left_markers()
        lost: list[Outcome] = [
            ([s], WorkerLost(f"worker process {culprits[s.key]} died while running this deal "
                             "(killed, out of memory or crashed); the other deals were rerun"))
            for b in unfinished for s in b if s.key in culprits]
        queue = [b2 for b2 in ([s for s in b if s.key not in culprits] for b in unfinished)
                 if b2]
        self.restarts += 1
        log.warning("a screening worker died; %d deal(s) lost, %d batch(es) rerun on a fresh "
                    "pool", len(lost), len(queue))
        self._pool = self._new_pool()
        return queue, lost

    def abort(self) -> None:
        """Stop now: terminate the worker processes and drop queued work."""
        processes = dict(getattr(self._pool, "_processes", None) or {})
        for p in processes.values():
            with contextlib.suppress(Exception):
                p.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._markers, ignore_errors=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._markers, ignore_errors=True)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ScreenBackendError(
            "the Dask backend needs dask.distributed: pip install 'bessfin[dask]' "
            "(or 'dask[distributed]')"
        ) from None
    return distributed


#: Environment of local Dask workers: Dask's default less ``MALLOC_TRIM_THRESHOLD_`` (which
#: fixes glibc's trim threshold at 64 KiB and so turns off its adaptive mmap threshold: the
#: solves' many short-lived numpy arrays then cost page faults; measured below)
_WORKER_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}


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
            import dask

            # the memory monitors (worker and nanny) keep their limits but poll every second,
            # not every 100 ms, and the statistical profiler (a stack sample every 10 ms) is
            # off: both take the worker's GIL from the solves (docs/performance.md, screening
            # worst case); the workers run bessfin's screen_batch, so they need not import
            # the job's __main__, and they import screen_batch's module as they start (a
            # preload), not on their first task: at work 0.08 s sooner (measured 2026-12-02)
            with dask.config.set({"distributed.worker.memory.monitor-interval": "1s",
                                  "distributed.worker.profile.enabled": False,
                                  "distributed.admin.tick.interval": "1s",
                                  "distributed.admin.system-monitor.interval": "2s",
                                  "distributed.worker.preload": [  # the user's, then ours
                                      *dask.config.get("distributed.worker.preload", []),
                                      screen_batch.__module__],
                                  "distributed.nanny.pre-spawn-environ": _WORKER_ENVIRON}), \
                    main_not_rerun():
                self._cluster = distributed.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True,
                    dashboard_address=None)
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
    if workers is not None and workers < 1:
        raise ScreenBackendError(f"workers must be >= 1, got {workers}")
    if scheduler is not None and name != "dask":
        raise ScreenBackendError(f"--scheduler needs the dask backend, not {name!r}")
    if name == "serial":
        return SerialBackend(threads)
    if name == "process":
        return ProcessBackend(workers, threads)
    if name == "dask":
        return DaskBackend(workers, scheduler, threads)
    raise ScreenBackendError(f"backend must be one of {list(BACKENDS)}, got {name!r}")
