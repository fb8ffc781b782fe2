"""Compile the Pyomo dispatch model to matrices once, hand them to HiGHS, re-solve in place.

Pyomo's general-purpose writers walk every expression on every solve. The dispatch model is
built only from :class:`~pyomo.core.expr.numeric_expr.LinearExpression` bodies, so it is
compiled once (:func:`bessfin.dispatch.compiler.compile_lp`) into a column-wise matrix for
``highspy``; parameter updates (:meth:`CompiledModel.update`) set the Pyomo ``Param`` values
*and* change the matching costs and bounds inside the live HiGHS instance, which then
warm-starts from its last basis.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from dataclasses import dataclass
from enum import StrEnum

import highspy
import numpy as np
import pyomo.core as pyo  # not pyomo.environ: see bessfin.dispatch.model

from bessfin.dispatch.coefficients import Coefficients, Structure
from bessfin.dispatch.compiler import compile_lp
from bessfin.dispatch.model import build_model
from bessfin.dispatch.params import COL_BOUNDS, COSTS, PARAMS, ROW_BOUNDS, value

_INF = highspy.kHighsInf


#: HiGHS options bessfin sets on every instance. Devex dual pricing solved the year-long
#: co-optimised LPs 10-20 % faster than HiGHS's default on ERCOT and CAISO data, cold and
#: warm-started (checked 2026-11-25, highspy 1.16), with identical optima.
HIGHS_OPTIONS: dict[str, object] = {"output_flag": False, "simplex_dual_edge_weight_strategy": 1}


def quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing (its licence banner goes to the C stdout, which
    would corrupt ``--json`` output, so the file descriptor is muted while it is created)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
            for name, value in HIGHS_OPTIONS.items():
                h.setOptionValue(name, value)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


# HiGHS runs one task scheduler per process, sized by the first solve's ``threads`` option; a
# later solve asking for another size fails ("Not Set") unless the scheduler is reset first.
_scheduler_threads: list[int | None] = [None]


def _use_threads(threads: int | None) -> None:
    """Make the process-wide HiGHS scheduler match ``threads`` (None: HiGHS's default)."""
    if _scheduler_threads[0] != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads[0] = threads


class SolveStatus(StrEnum):
    """Outcome of one LP solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


_STATUS = {
    highspy.HighsModelStatus.kOptimal: SolveStatus.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: SolveStatus.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: SolveStatus.INFEASIBLE,
    highspy.HighsModelStatus.kTimeLimit: SolveStatus.TIME_LIMIT,
}

_OPTIMAL, _RUN_ERROR = highspy.HighsModelStatus.kOptimal, highspy.HighsStatus.kError

_REASON = {
    SolveStatus.INFEASIBLE: "no schedule satisfies the constraints: check that the initial and "
    "terminal state of charge, cycle limits and state-of-charge bounds are compatible",
    SolveStatus.UNBOUNDED: "revenue is unbounded: a price column probably holds an extreme or "
    "mis-scaled value",
    SolveStatus.TIME_LIMIT: "HiGHS stopped at its time limit before proving optimality",
    SolveStatus.ERROR: "HiGHS reported an error",
}


class SolverError(RuntimeError):
    """A solve did not reach an optimal schedule."""

    def __init__(self, status: SolveStatus, detail: str = ""):
        self.status, self.detail = status, detail
        msg = f"dispatch LP {status.value}: {_REASON.get(status, '')}"
        super().__init__(msg + (f" ({detail})" if detail else ""))

    def __reduce__(self):  # re-raised in the job's process from a price-year worker
        return SolverError, (self.status, self.detail)


@dataclass(frozen=True)
class Solution:
    """Primal values of one solve, by variable block."""

    charge: np.ndarray  # [MW]
    discharge: np.ndarray  # [MW]
    soc: np.ndarray  # [MWh], end of interval
    reserve: np.ndarray  # (products x n) [MW]
    objective: float  # [$]
    seconds: float


def _same(a, b) -> bool:
    """Equal values (scalars or arrays of one shape)."""
    if a is b:
        return True
    if a.__class__ is np.ndarray and b.__class__ is np.ndarray:
        if a.shape != b.shape:
            return False
        # a new price vector differs in its first value: settled without a full comparison
        return a.size == 0 or (a.flat[0] == b.flat[0] and bool((a == b).all()))
    if a.__class__ is np.ndarray or b.__class__ is np.ndarray:
        return np.shape(a) == np.shape(b) and bool((np.asarray(a) == b).all())
    return a == b


def _spread(v, size: int) -> np.ndarray:
    """``v`` (a scalar or an array) as a flat float array of ``size`` values."""
    if isinstance(v, np.ndarray):
        return np.ascontiguousarray(v, dtype=float).ravel()
    return np.full(size, float(v))


class CompiledModel:
    """A built Pyomo dispatch model and its live HiGHS twin.

    Parameters
    ----------
    structure, coefficients : what to build and its initial parameter values.
    threads : HiGHS threads (1 for parallel screening workers).
    time_limit : HiGHS time limit per solve [s].
    """

    def __init__(
        self,
        structure: Structure,
        coefficients: Coefficients,
        *,
        threads: int | None = None,
        time_limit: float | None = None,
    ):
        self.structure = structure
        self._pending: Coefficients | None = None
        self.bases: dict = {}
        # Building allocates ~300k long-lived Pyomo objects; the cyclic garbage collector
        # would rescan the growing model again and again (a third of build time).
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._model = build_model(structure, coefficients)
            self._compile()
        finally:
            if gc_was_on:
                gc.enable()
        self.highs = quiet_highs()
        self._threads = None if threads is None else int(threads)
        if self._threads is not None:
            self.highs.setOptionValue("threads", self._threads)
        if time_limit is not None:
            self.highs.setOptionValue("time_limit", float(time_limit))
        self.highs.passModel(self._lp)
        del self._lp
        self._record(coefficients)

    @property
    def model(self) -> pyo.ConcreteModel:
        """The Pyomo model, its parameters in step with the last :meth:`update`.

        Updates go to HiGHS at once and reach the Pyomo ``Param``s when the model is next
        looked at, which keeps Pyomo's per-parameter overhead off the re-solve loop.
        """
        if self._pending is not None:
            self._sync_params(self._pending)
            self._pending = None
        return self._model

    # -- compilation ---------------------------------------------------------------------
    def _compile(self) -> None:
        """Compile the Pyomo model into ``_lp`` with the ``cols``/``rows`` index maps."""
        m = self._model
        compiled = compile_lp(m)
        self._lp, self.rows, col_of = compiled.lp, compiled.rows, compiled.col_of
        n, k = self.structure.n, len(m.P)

        def positions(var) -> np.ndarray:  # in index order (Pyomo iterates the index set)
            return np.array([col_of[id(v)] for v in var.values()], dtype=int)

        self.cols = {
            "charge": positions(m.charge),
            "discharge": positions(m.discharge),
            "soc": positions(m.soc),
            "soc_start": positions(m.soc_start),
            "reserve": positions(m.reserve).reshape(k, n),  # PT is product-major
        }

    # -- updates -------------------------------------------------------------------------
    def _sync_params(self, c: Coefficients) -> None:
        """Write ``c`` into the Pyomo model's mutable parameters (:data:`PARAMS`)."""
        m = self._model
        ids = list(m.P)
        for p in PARAMS:
            v, param = value(c, p.name), getattr(m, p.name)
            if p.index == "":
                param.set_value(float(v))
            elif p.index == "PT":
                param.store_values(
                    {(q, t): x for k, q in enumerate(ids) for t, x in enumerate(v[k])}
                )
            else:
                param.store_values(dict(enumerate(np.asarray(v).tolist())))

    def _blocks(self) -> list[tuple[str, str, np.ndarray, str | float, str | float | None]]:
        """(key, kind, columns or rows, first, second) of every cost and bound block a
        :class:`Coefficients` sets, built once per model: kind ``"cost"`` (first = the cost
        parameter) or ``"col"``/``"row"`` (first, second = lower and upper bound: a parameter
        name or a number). Where each parameter goes is read from
        :mod:`bessfin.dispatch.params` (the table the model was built from)."""
        cols, rows, out = self.cols, self.rows, []
        for var, p in COSTS.items():
            if cols[var].size:
                out.append((var, "cost", cols[var].ravel(), p, None))
        for var, (lo, hi) in COL_BOUNDS.items():
            if cols[var].size:
                out.append((var + ":bounds", "col", cols[var].ravel(), lo, hi))
        for name, (side, p) in ROW_BOUNDS.items():
            if name in rows and rows[name].size:
                lo, hi = (p, _INF) if side == "lower" else (-_INF, p)
                out.append((name, "row", rows[name], lo, hi))
        return out

    def _record(self, c: Coefficients) -> None:
        """Index the blocks by parameter and remember ``c``'s values as those HiGHS holds."""
        blocks = self._blocks()
        costs = [b for b in blocks if b[1] == "cost"]
        self._cost_cols = (np.concatenate([b[2] for b in costs]) if costs
                           else np.zeros(0, dtype=int))
        self._cost_params = [b[3] for b in costs]
        self._bound_blocks = [b for b in blocks if b[1] != "cost"]
        #: bound parameter -> positions in :attr:`_bound_blocks` of the blocks it sets
        self._users: dict[str, list[int]] = {}
        for i, (_, _, _, lo, hi) in enumerate(self._bound_blocks):
            for p in {lo, hi} - {None}:
                if isinstance(p, str):
                    self._users.setdefault(p, []).append(i)
        self._held_cost = self._costs(c)
        self._held = {p: value(c, p) for p in self._users}
        #: the field objects of the last update (an unchanged field is the same object)
        self._given = {p: getattr(c, p) for p in self._users}

    def _costs(self, c: Coefficients) -> np.ndarray:
        """Every parameter-driven objective coefficient, in :attr:`_cost_cols` order (cost
        parameters are never capped: their fields are the values)."""
        if not self._cost_params:
            return np.zeros(0)
        return np.concatenate([np.ravel(getattr(c, p)) for p in self._cost_params])

    def update(self, c: Coefficients) -> None:
        """Set every mutable parameter to ``c``: in the live HiGHS model now (the costs, and
        the bound blocks of parameters whose values changed), in the Pyomo model when it is
        next looked at (:attr:`model`).

        A bound field that is the very object of the previous update is taken as unchanged
        without comparing its values (a rolling walk passes most of them on untouched):
        :class:`Coefficients` is frozen, and an array in it must not be written to after it
        is passed here."""
        h, held, given = self.highs, self._held, self._given
        cost = self._costs(c)
        if not _same(cost, self._held_cost):
            h.changeColsCost(cost.size, self._cost_cols, cost)
            self._held_cost = cost
        touched: set[int] = set()
        for p, users in self._users.items():
            raw = getattr(c, p)
            if raw is given[p]:
                continue
            given[p] = raw
            v = value(c, p)
            if not _same(held[p], v):
                held[p] = v
                touched.update(users)
        for i in sorted(touched):
            _, kind, idx, lo, hi = self._bound_blocks[i]
            lo = held[lo] if isinstance(lo, str) else lo
            hi = held[hi] if isinstance(hi, str) else hi
            if kind == "col":
                h.changeColsBounds(idx.size, idx, _spread(lo, idx.size), _spread(hi, idx.size))
            else:
                h.changeRowsBounds(idx.size, idx, _spread(lo, idx.size), _spread(hi, idx.size))
        self._pending = c

    # -- solve ---------------------------------------------------------------------------
    def solve(self) -> Solution:
        """Solve; raise :class:`SolverError` unless HiGHS proves optimality."""
        t0 = time.perf_counter()
        _use_threads(self._threads)
        run = self.highs.run()
        model_status = self.highs.getModelStatus()
        if model_status != _OPTIMAL or run == _RUN_ERROR:
            status = _STATUS.get(model_status, SolveStatus.ERROR)
            if status is SolveStatus.OPTIMAL:  # HiGHS reported an error for an "optimum"
                status = SolveStatus.ERROR
            raise SolverError(status, self.highs.modelStatusToString(model_status))
        x = np.asarray(self.highs.getSolution().col_value)
        cols = self.cols
        return Solution(
            charge=x[cols["charge"]],
            discharge=x[cols["discharge"]],
            soc=x[cols["soc"]],
            reserve=x[cols["reserve"]] if cols["reserve"].size else np.zeros((0, self.structure.n)),
            objective=float(self.highs.getObjectiveValue()),
            seconds=time.perf_counter() - t0,
        )
