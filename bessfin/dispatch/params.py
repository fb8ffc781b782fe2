"""Where each mutable parameter of the dispatch LP enters the model: one table, read both
by the model's ``define_*`` functions (:mod:`bessfin.dispatch.model`) and by
:meth:`bessfin.dispatch.solver.CompiledModel.update`, which writes new values straight into
the live HiGHS model.

A parameter enters in one of three places: the objective coefficient of a variable
(:data:`COSTS`), a bound of a variable (:data:`COL_BOUNDS`) or one side of a constraint
(:data:`ROW_BOUNDS`; the other side is open). Equations: ``docs/dispatch.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from bessfin.dispatch.coefficients import Coefficients

#: Largest finite bound passed to the model: an unlimited cycle budget (inf) becomes this.
BIG = 1e30


@dataclass(frozen=True)
class Param:
    """A mutable parameter: its :class:`Coefficients` field, index set and unit.

    Attributes
    ----------
    name : field of :class:`~bessfin.dispatch.coefficients.Coefficients` and Pyomo name.
    index : ``""`` scalar, ``"T"`` per interval, ``"PT"`` per product and interval,
        ``"D"`` per local day.
    unit : unit of the value.
    capped : an infinite value is replaced by :data:`BIG` (cycle budgets).
    """

    name: str
    index: Literal["", "T", "PT", "D"]
    unit: str
    capped: bool = False


PARAMS: tuple[Param, ...] = (
    Param("charge_value", "T", "$/MW"),
    Param("discharge_value", "T", "$/MW"),
    Param("reserve_value", "PT", "$/MW"),
    Param("charge_max", "", "MW"),
    Param("discharge_max", "", "MW"),
    Param("reserve_max", "PT", "MW"),
    Param("soc_min_energy", "", "MWh"),
    Param("soc_max_energy", "", "MWh"),
    Param("soc_initial_energy", "", "MWh"),
    Param("soc_terminal_energy", "", "MWh"),
    Param("day_cycle_energy", "D", "MWh", capped=True),
    Param("horizon_cycle_energy", "", "MWh", capped=True),
)
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}

#: Objective coefficient of each variable: variable -> parameter.
COSTS: dict[str, str] = {
    "charge": "charge_value",
    "discharge": "discharge_value",
    "reserve": "reserve_value",
}

#: Bounds of each variable: variable -> (lower, upper), a parameter name or a number.
COL_BOUNDS: dict[str, tuple[str | float, str | float]] = {
    "charge": (0.0, "charge_max"),
    "discharge": (0.0, "discharge_max"),
    "reserve": (0.0, "reserve_max"),
    "soc": ("soc_min_energy", "soc_max_energy"),
    "soc_start": ("soc_initial_energy", "soc_initial_energy"),
}

#: Parameter side of each constraint: constraint -> (``"lower"`` or ``"upper"``, parameter).
ROW_BOUNDS: dict[str, tuple[Literal["lower", "upper"], str]] = {
    "up_headroom": ("upper", "discharge_max"),
    "down_headroom": ("upper", "charge_max"),
    "up_energy_start": ("lower", "soc_min_energy"),
    "up_energy_end": ("lower", "soc_min_energy"),
    "down_energy_start": ("upper", "soc_max_energy"),
    "down_energy_end": ("upper", "soc_max_energy"),
    "terminal_energy": ("lower", "soc_terminal_energy"),
    "day_cycle": ("upper", "day_cycle_energy"),
    "horizon_cycle": ("upper", "horizon_cycle_energy"),
}


def value(c: Coefficients, name: str) -> float | np.ndarray:
    """Value of parameter ``name`` in ``c`` as the model takes it (capped where so marked)."""
    v = getattr(c, name)
    if not PARAM_BY_NAME[name].capped:
        return v
    return np.minimum(v, BIG) if isinstance(v, np.ndarray) else min(v, BIG)


def row_param(constraint: str) -> str:
    """The parameter bounding ``constraint``."""
    return ROW_BOUNDS[constraint][1]
