"""The dispatch LP as a Pyomo model: one ``define_*`` function per group of constraints.

The model is built once per :class:`~bessfin.dispatch.coefficients.Structure`; every number
that changes between solves is a mutable ``Param`` (see
:class:`~bessfin.dispatch.coefficients.Coefficients`). Equations: ``docs/dispatch.md``.

Sign convention: all variables are non-negative; ``charge`` and ``discharge`` are power at
the point of interconnection [MW] held for one interval; ``soc`` is stored energy at the end
of an interval [MWh]; ``soc_start`` is stored energy before the first interval [MWh].
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from bessfin.dispatch.coefficients import Coefficients, Structure


def _indexed(arr: np.ndarray) -> dict[int, float]:
    return dict(enumerate(arr.tolist()))


def _indexed2(ids: list[str], arr: np.ndarray) -> dict[tuple[str, int], float]:
    return {(pid, t): v for k, pid in enumerate(ids) for t, v in enumerate(arr[k].tolist())}


def define_parameters(m: pyo.ConcreteModel, s: Structure, c: Coefficients) -> None:
    """Mutable parameters: objective values, limits and stored-energy bounds."""
    ids = [p[0] for p in s.products]
    mut = {"mutable": True}
    m.charge_value = pyo.Param(m.T, initialize=_indexed(c.charge_value), doc="[$/MW]", **mut)
    m.discharge_value = pyo.Param(
        m.T, initialize=_indexed(c.discharge_value), doc="[$/MW]", **mut
    )
    m.reserve_value = pyo.Param(
        m.PT, initialize=_indexed2(ids, c.reserve_value), doc="[$/MW]", **mut
    )
    m.charge_max = pyo.Param(initialize=c.charge_max, doc="[MW]", **mut)
    m.discharge_max = pyo.Param(initialize=c.discharge_max, doc="[MW]", **mut)
    m.reserve_max = pyo.Param(
        m.PT, initialize=_indexed2(ids, c.reserve_max), doc="[MW]", **mut
    )
    m.soc_min_energy = pyo.Param(initialize=c.soc_min_energy, doc="[MWh]", **mut)
    m.soc_max_energy = pyo.Param(initialize=c.soc_max_energy, doc="[MWh]", **mut)
    m.soc_initial_energy = pyo.Param(initialize=c.soc_initial_energy, doc="[MWh]", **mut)
    m.soc_terminal_energy = pyo.Param(initialize=c.soc_terminal_energy, doc="[MWh]", **mut)
    m.day_cycle_energy = pyo.Param(
        m.D, initialize=_indexed(np.minimum(c.day_cycle_energy, 1e30)), doc="[MWh]", **mut
    )
    m.horizon_cycle_energy = pyo.Param(
        initialize=min(c.horizon_cycle_energy, 1e30), doc="[MWh]", **mut
    )


def define_variables(m: pyo.ConcreteModel) -> None:
    """Decision variables with their (mutable) bounds."""
    m.charge = pyo.Var(m.T, bounds=(0, m.charge_max), doc="[MW]")
    m.discharge = pyo.Var(m.T, bounds=(0, m.discharge_max), doc="[MW]")
    m.reserve = pyo.Var(m.PT, bounds=lambda m, p, t: (0, m.reserve_max[p, t]), doc="[MW]")
    m.soc = pyo.Var(m.T, bounds=(m.soc_min_energy, m.soc_max_energy), doc="[MWh]")
    m.soc_start = pyo.Var(bounds=(m.soc_initial_energy, m.soc_initial_energy), doc="[MWh]")


def _soc_before(m: pyo.ConcreteModel, t: int) -> pyo.Var:
    return m.soc_start if t == 0 else m.soc[t - 1]


def _lin(coefs: list[float], variables: list) -> LinearExpression:
    """A linear expression built in one step (no operator overloading: fast for big LPs)."""
    return LinearExpression(constant=0, linear_coefs=coefs, linear_vars=variables)


def _ids(s: Structure, which: list[int]) -> list[str]:
    return [s.products[k][0] for k in which]


def define_energy_balance(m: pyo.ConcreteModel, s: Structure) -> None:
    """soc[t] = r soc[t-1] + dt (eta_c c[t] - d[t]/eta_d
    + sum_down alpha_p eta_c x[p,t] - sum_up alpha_p x[p,t]/eta_d)      [MWh]"""
    ec, ed, dt = s.eta_charge, s.eta_discharge, s.dt
    deployed = [
        (pid, (a / ed if direction == "up" else -a * ec) * dt)
        for pid, direction, a in s.products
        if a > 0
    ]

    def rule(m, t):
        coefs = [1.0, -s.retention, -dt * ec, dt / ed] + [k for _, k in deployed]
        variables = [m.soc[t], _soc_before(m, t), m.charge[t], m.discharge[t]]
        variables += [m.reserve[pid, t] for pid, _ in deployed]
        return _lin(coefs, variables) == 0

    m.energy_balance = pyo.Constraint(m.T, rule=rule)


def define_headroom(m: pyo.ConcreteModel, s: Structure) -> None:
    """Up:   d[t] - c[t] + sum_up x[p,t]   <= P_dis                      [MW]
    Down: c[t] - d[t] + sum_down x[p,t] <= P_ch                       [MW]"""
    up, down = _ids(s, s.up), _ids(s, s.down)
    if up:
        m.up_headroom = pyo.Constraint(
            m.T,
            rule=lambda m, t: _lin(
                [1.0, -1.0] + [1.0] * len(up),
                [m.discharge[t], m.charge[t]] + [m.reserve[p, t] for p in up],
            )
            <= m.discharge_max,
        )
    if down:
        m.down_headroom = pyo.Constraint(
            m.T,
            rule=lambda m, t: _lin(
                [1.0, -1.0] + [1.0] * len(down),
                [m.charge[t], m.discharge[t]] + [m.reserve[p, t] for p in down],
            )
            <= m.charge_max,
        )


def define_sustain(m: pyo.ConcreteModel, s: Structure) -> None:
    """Stored energy can deliver every award for its required duration, at both ends of
    the interval (stored energy is linear within it):

    soc - sum_up  D[p,t] x[p,t] / eta_d >= soc_min      (soc = soc[t-1] and soc[t])  [MWh]
    soc + sum_down D[p,t] x[p,t] eta_c  <= soc_max                                   [MWh]
    """
    ed, ec = s.eta_discharge, s.eta_charge
    for name, which, scale, sign in (("up", s.up, 1.0 / ed, -1.0), ("down", s.down, ec, 1.0)):
        if not which:
            continue
        ids = _ids(s, which)
        need = np.array([s.durations(k) for k in which]) * scale * sign  # (products, n)

        def rule(m, t, soc_of, ids=ids, need=need, sign=sign):
            expr = _lin(
                [1.0] + need[:, t].tolist(), [soc_of(m, t)] + [m.reserve[p, t] for p in ids]
            )
            return expr >= m.soc_min_energy if sign < 0 else expr <= m.soc_max_energy

        setattr(m, f"{name}_energy_start", pyo.Constraint(
            m.T, rule=lambda m, t, rule=rule: rule(m, t, _soc_before)))
        setattr(m, f"{name}_energy_end", pyo.Constraint(
            m.T, rule=lambda m, t, rule=rule: rule(m, t, lambda m, t: m.soc[t])))


def define_terminal(m: pyo.ConcreteModel, s: Structure) -> None:
    """soc[n-1] >= soc_terminal                                              [MWh]"""
    m.terminal_energy = pyo.Constraint(expr=m.soc[s.n - 1] >= m.soc_terminal_energy)


def define_cycle_limits(m: pyo.ConcreteModel, s: Structure) -> None:
    """Discharged energy (scheduled + deployed up-regulation) per local day and per horizon:

    sum_{t in day} dt (d[t] + sum_up alpha_p x[p,t]) <= day_cycle_energy[day]        [MWh]
    sum_t          dt (d[t] + sum_up alpha_p x[p,t]) <= horizon_cycle_energy          [MWh]
    """
    dep_up = [(s.products[k][0], s.products[k][2]) for k in s.up if s.products[k][2] > 0]

    def discharged(m, hours):
        coefs, variables = [], []
        for t in hours:
            coefs.append(s.dt)
            variables.append(m.discharge[t])
            for p, a in dep_up:
                coefs.append(s.dt * a)
                variables.append(m.reserve[p, t])
        return _lin(coefs, variables)

    bounds = list(s.day_starts) + [s.n]
    if s.daily_cycle_limit:
        m.day_cycle = pyo.Constraint(
            m.D,
            rule=lambda m, d: discharged(m, range(bounds[d], bounds[d + 1]))
            <= m.day_cycle_energy[d],
        )
    if s.horizon_cycle_limit:
        m.horizon_cycle = pyo.Constraint(
            expr=discharged(m, range(s.n)) <= m.horizon_cycle_energy
        )


def define_objective(m: pyo.ConcreteModel) -> None:
    """max sum_t c_val[t] c[t] + d_val[t] d[t] + sum_p x_val[p,t] x[p,t]            [$]"""
    coefs = [m.charge_value[t] for t in m.T] + [m.discharge_value[t] for t in m.T]
    coefs += [m.reserve_value[p, t] for p in m.P for t in m.T]
    variables = [m.charge[t] for t in m.T] + [m.discharge[t] for t in m.T]
    variables += [m.reserve[p, t] for p in m.P for t in m.T]
    m.revenue = pyo.Objective(expr=_lin(coefs, variables), sense=pyo.maximize)


def build_model(s: Structure, c: Coefficients) -> pyo.ConcreteModel:
    """Build the dispatch LP for structure ``s`` with initial parameter values ``c``."""
    m = pyo.ConcreteModel(name="bessfin_dispatch")
    m.T = pyo.RangeSet(0, s.n - 1, doc="intervals")
    m.P = pyo.Set(initialize=[p[0] for p in s.products], ordered=True, doc="products")
    m.D = pyo.RangeSet(0, len(s.day_starts) - 1, doc="local days")
    # an explicit (product, interval) set: hash look-ups instead of a cross-product check
    m.PT = pyo.Set(
        dimen=2, initialize=[(p, t) for p in m.P for t in range(s.n)], ordered=True,
        doc="product awards",
    )
    define_parameters(m, s, c)
    define_variables(m)
    define_energy_balance(m, s)
    define_headroom(m, s)
    define_sustain(m, s)
    define_terminal(m, s)
    define_cycle_limits(m, s)
    define_objective(m)
    return m
