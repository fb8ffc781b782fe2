"""The dispatch LP as a Pyomo model: one ``define_*`` function per group of constraints.

The model is built once per :class:`~bessfin.dispatch.coefficients.Structure`; every number
that changes between solves is a mutable ``Param`` (see
:class:`~bessfin.dispatch.coefficients.Coefficients`). Equations: ``docs/dispatch.md``.

Sign convention: all variables are non-negative; ``charge`` and ``discharge`` are power at
the point of interconnection [MW] held for one interval; ``soc`` is stored energy at the end
of an interval [MWh]; ``soc_start`` is stored energy before the first interval [MWh].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.core as pyo  # not pyomo.environ: see the note below the imports
from pyomo.core.expr import (
    EqualityExpression,
    InequalityExpression,
    LinearExpression,
    MonomialTermExpression,
)

from bessfin.dispatch.coefficients import Coefficients, Structure
from bessfin.dispatch.params import COL_BOUNDS, COSTS, PARAMS, ROW_BOUNDS, row_param, value

# bessfin imports pyomo.core, not pyomo.environ: it compiles the model to HiGHS itself
# (bessfin.dispatch.compiler), so the solver and transformation plugins that pyomo.environ
# loads are not needed, and they cost ~90 ms more per process (every CLI run and screening
# worker; measured 2026-12-02). A caller may still import pyomo.environ.


def _initializer(index: str, ids: list[str], v):
    """A Pyomo rule giving each index its value from ``v`` (a rule, unlike a dict, lets
    Pyomo skip re-validating every index it generated itself)."""
    if index == "":
        return v
    if index == "PT":
        by_product = {pid: row for pid, row in zip(ids, np.asarray(v).tolist(), strict=True)}
        return lambda m, pid, t: by_product[pid][t]
    values = np.asarray(v).tolist()  # index "T" or "D": positions 0, 1, ...
    return lambda m, i: values[i]


def define_parameters(m: pyo.ConcreteModel, s: Structure, c: Coefficients) -> None:
    """Mutable parameters (:data:`bessfin.dispatch.params.PARAMS`): objective values, limits
    and stored-energy bounds."""
    ids = [p[0] for p in s.products]
    mut = {"mutable": True, "domain": pyo.Any}  # Any: no per-value domain check
    for p in PARAMS:
        init = _initializer(p.index, ids, value(c, p.name))
        index = () if p.index == "" else (getattr(m, p.index),)
        setattr(m, p.name, pyo.Param(*index, initialize=init, doc=f"[{p.unit}]", **mut))


def _bound(m: pyo.ConcreteModel, b: str | float):
    return b if isinstance(b, float) else getattr(m, b)


def define_variables(m: pyo.ConcreteModel) -> None:
    """Decision variables with their (mutable) bounds
    (:data:`~bessfin.dispatch.params.COL_BOUNDS`)."""
    lo, hi = (_bound(m, b) for b in COL_BOUNDS["charge"])
    m.charge = pyo.Var(m.T, bounds=(lo, hi), doc="[MW]")
    lo, hi = (_bound(m, b) for b in COL_BOUNDS["discharge"])
    m.discharge = pyo.Var(m.T, bounds=(lo, hi), doc="[MW]")
    r_lo, r_hi = (_bound(m, b) for b in COL_BOUNDS["reserve"])
    m.reserve = pyo.Var(m.PT, bounds=(r_lo, None), doc="[MW]")
    for v, hi in zip(m.reserve.values(), r_hi.values(), strict=True):  # both in PT order
        v.upper = hi  # one bound set per award (a bounds rule sets both: 40 % slower)
    lo, hi = (_bound(m, b) for b in COL_BOUNDS["soc"])
    m.soc = pyo.Var(m.T, bounds=(lo, hi), doc="[MWh]")
    lo, hi = (_bound(m, b) for b in COL_BOUNDS["soc_start"])
    m.soc_start = pyo.Var(bounds=(lo, hi), doc="[MWh]")


def _rhs(m: pyo.ConcreteModel, constraint: str):
    """The parameter bounding ``constraint`` (:data:`~bessfin.dispatch.params.ROW_BOUNDS`)."""
    return getattr(m, row_param(constraint))


@dataclass(frozen=True)
class _Columns:
    """Plain lists of the model's variables by position: rules index these instead of going
    through Pyomo's validated ``__getitem__`` (a large share of build time otherwise)."""

    charge: list
    discharge: list
    soc: list
    soc_before: list  # stored energy before interval t: soc_start, soc[0], ..., soc[n-2]
    reserve: dict[str, list]

    @classmethod
    def of(cls, m: pyo.ConcreteModel, s: Structure) -> _Columns:
        soc = list(m.soc.values())
        flat = list(m.reserve.values())  # PT order: product-major
        ids = [p[0] for p in s.products]
        return cls(
            charge=list(m.charge.values()),
            discharge=list(m.discharge.values()),
            soc=soc,
            soc_before=[m.soc_start, *soc[:-1]],
            reserve={pid: flat[k * s.n:(k + 1) * s.n] for k, pid in enumerate(ids)},
        )


def _lin(coefs: list, variables: list) -> LinearExpression:
    """A linear expression built in one step (no operator overloading: fast for big LPs);
    unit coefficients are stored as bare variables."""
    return LinearExpression([
        v if c.__class__ is float and c == 1.0 else MonomialTermExpression((c, v))
        for c, v in zip(coefs, variables, strict=True)
    ])


#: One term of a block of rows: (coefficient, variable of each row); the coefficient is one
#: number for every row or a list with one per row.
Term = tuple[float | list[float], list]


def _rows(terms: list[Term]) -> list[LinearExpression]:
    """Bodies of a block of rows, row i = sum over ``terms`` (a, v) of a[i] v[i].

    Built a term at a time over all rows, then zipped into one ``LinearExpression`` per row
    (about 40 % faster than a rule building row by row); unit coefficients are stored as
    bare variables."""
    columns = []
    for a, v in terms:
        if isinstance(a, list):
            columns.append([y if c == 1.0 else MonomialTermExpression((c, y))
                            for c, y in zip(a, v, strict=True)])
        else:
            columns.append(v if a == 1.0 else [MonomialTermExpression((a, y)) for y in v])
    return [LinearExpression(list(row)) for row in zip(*columns, strict=True)]


def _constraint(index, bodies: list, sense: str, bound) -> pyo.Constraint:
    """An indexed constraint, member k (in ``index`` order) ``bodies[k] <sense> bound`` with
    ``sense`` one of ``"=="``, ``"<="``, ``">="`` and ``bound`` a number or parameter."""
    if sense == "==":
        relations = [EqualityExpression((b, bound)) for b in bodies]
    elif sense == "<=":
        relations = [InequalityExpression((b, bound), False) for b in bodies]
    elif sense == ">=":
        relations = [InequalityExpression((bound, b), False) for b in bodies]
    else:
        raise ValueError(f"constraint sense must be '==', '<=' or '>=', not {sense!r}")
    member = dict(zip(list(index), relations, strict=True))
    return pyo.Constraint(index, rule=lambda m, *i: member[i if len(i) > 1 else i[0]])


def _ids(s: Structure, which: list[int]) -> list[str]:
    return [s.products[k][0] for k in which]


def define_energy_balance(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """soc[t] = r soc[t-1] + dt (eta_c c[t] - d[t]/eta_d
    + sum_down alpha_p eta_c x[p,t] - sum_up alpha_p x[p,t]/eta_d)      [MWh]

    A symmetric product is in both sums (it deploys alpha_p each way)."""
    ec, ed, dt = s.eta_charge, s.eta_discharge, s.dt
    deployed: list[Term] = [
        ((a / ed * (direction != "down") - a * ec * (direction != "up")) * dt, x.reserve[pid])
        for pid, direction, a in s.products
        if a > 0
    ]
    terms: list[Term] = [(1.0, x.soc), (-s.retention, x.soc_before), (-dt * ec, x.charge),
                         (dt / ed, x.discharge), *deployed]
    m.energy_balance = _constraint(m.T, _rows(terms), "==", 0)


def define_headroom(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """Up:   d[t] - c[t] + sum_up x[p,t]   <= P_dis                      [MW]
    Down: c[t] - d[t] + sum_down x[p,t] <= P_ch                       [MW]"""
    for name, ids, first, second in (
        ("up_headroom", _ids(s, s.up), x.discharge, x.charge),
        ("down_headroom", _ids(s, s.down), x.charge, x.discharge),
    ):
        if not ids:
            continue
        terms: list[Term] = [(1.0, first), (-1.0, second), *((1.0, x.reserve[p]) for p in ids)]
        setattr(m, name, _constraint(m.T, _rows(terms), "<=", _rhs(m, name)))


def define_sustain(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """Stored energy can deliver every award for its required duration, at both ends of
    the interval (stored energy is linear within it):

    soc - sum_up  D[p,t] x[p,t] / eta_d >= soc_min      (soc = soc[t-1] and soc[t])  [MWh]
    soc + sum_down D[p,t] x[p,t] eta_c  <= soc_max                                   [MWh]
    """
    ed, ec = s.eta_discharge, s.eta_charge
    for name, which, scale, sign in (("up", s.up, 1.0 / ed, -1.0), ("down", s.down, ec, 1.0)):
        if not which:
            continue
        need: list[Term] = [((s.durations(k) * scale * sign).tolist(), x.reserve[pid])
                            for k, pid in zip(which, _ids(s, which), strict=True)]
        for end, level in (("start", x.soc_before), ("end", x.soc)):
            con = f"{name}_energy_{end}"
            sense = ">=" if ROW_BOUNDS[con][0] == "lower" else "<="
            setattr(m, con, _constraint(m.T, _rows([(1.0, level), *need]), sense, _rhs(m, con)))


def define_award_hold(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """Sub-hourly intervals: an award is held for its clock hour (hourly products):

    x[p,t] - x[p,t-1] = 0     for t after the first interval of its hour          [MW]
    """
    held = s.held.tolist()
    if not held or not s.products:
        return
    ids = [pid for pid, _, _ in s.products]
    now = [x.reserve[pid][t] for pid in ids for t in held]
    before = [x.reserve[pid][t - 1] for pid in ids for t in held]
    pairs = [(pid, t) for pid in ids for t in held]
    m.award_hold = _constraint(pairs, _rows([(1.0, now), (-1.0, before)]), "==", 0)


def define_terminal(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """soc[n-1] >= soc_terminal                                              [MWh]"""
    m.terminal_energy = pyo.Constraint(expr=x.soc[s.n - 1] >= _rhs(m, "terminal_energy"))


def define_cycle_limits(m: pyo.ConcreteModel, s: Structure, x: _Columns) -> None:
    """Discharged energy (scheduled + deployed up-regulation) per local day and per horizon:

    sum_{t in day} dt (d[t] + sum_up alpha_p x[p,t]) <= day_cycle_energy[day]        [MWh]
    sum_t          dt (d[t] + sum_up alpha_p x[p,t]) <= horizon_cycle_energy          [MWh]
    """
    dep_up = [(x.reserve[s.products[k][0]], s.products[k][2]) for k in s.up
              if s.products[k][2] > 0]

    def discharged(hours: range) -> LinearExpression:
        coefs, variables = [], []
        for t in hours:
            coefs.append(s.dt)
            variables.append(x.discharge[t])
            for r, a in dep_up:
                coefs.append(s.dt * a)
                variables.append(r[t])
        return _lin(coefs, variables)

    bounds = list(s.day_starts) + [s.n]
    if s.daily_cycle_limit:
        day = _rhs(m, "day_cycle")
        m.day_cycle = pyo.Constraint(
            m.D, rule=lambda m, d: discharged(range(bounds[d], bounds[d + 1])) <= day[d]
        )
    if s.horizon_cycle_limit:
        m.horizon_cycle = pyo.Constraint(
            expr=discharged(range(s.n)) <= _rhs(m, "horizon_cycle")
        )


def define_objective(m: pyo.ConcreteModel, x: _Columns) -> None:
    """max sum_t c_val[t] c[t] + d_val[t] d[t] + sum_p x_val[p,t] x[p,t]            [$]"""
    columns = {"charge": x.charge, "discharge": x.discharge,
               "reserve": [v for r in x.reserve.values() for v in r]}
    coefs = [v for var, p in COSTS.items() for v in getattr(m, p).values()]
    variables = [v for var in COSTS for v in columns[var]]
    m.revenue = pyo.Objective(expr=_lin(coefs, variables), sense=pyo.maximize)


def build_model(s: Structure, c: Coefficients) -> pyo.ConcreteModel:
    """Build the dispatch LP for structure ``s`` with initial parameter values ``c``."""
    m = pyo.ConcreteModel(name="bessfin_dispatch")
    # explicit ordered sets: membership is a hash look-up (a RangeSet scans its ranges)
    m.T = pyo.Set(initialize=range(s.n), ordered=True, doc="intervals")
    m.P = pyo.Set(initialize=[p[0] for p in s.products], ordered=True, doc="products")
    m.D = pyo.Set(initialize=range(len(s.day_starts)), ordered=True, doc="local days")
    m.PT = pyo.Set(
        dimen=2, initialize=[(p, t) for p in m.P for t in range(s.n)], ordered=True,
        doc="product awards",
    )
    define_parameters(m, s, c)
    define_variables(m)
    x = _Columns.of(m, s)
    define_energy_balance(m, s, x)
    define_headroom(m, s, x)
    define_sustain(m, s, x)
    define_award_hold(m, s, x)
    define_terminal(m, s, x)
    define_cycle_limits(m, s, x)
    define_objective(m, x)
    return m
