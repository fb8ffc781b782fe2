"""The tornado frame contract: one row per input moved down and up, one metric.

A tornado frame is a :class:`pandas.DataFrame` with these columns (one row per parameter):

==============  ======  ================================================================
column          type    meaning
==============  ======  ================================================================
``parameter``   str     input that is moved, e.g. ``"capex"`` (unique per frame)
``low_label``   str     what "low" means, e.g. ``"-10 %"``
``high_label``  str     what "high" means, e.g. ``"+10 %"``
``low_value``   float   the metric with the input at its low setting (NaN: undefined)
``high_value``  float   the metric with the input at its high setting (NaN: undefined)
``base_value``  float   the metric in the base case; the same in every row
``metric``      str     optional: name of the metric, one value for the whole frame; a
                        name in :data:`bessfin.finance.METRIC_CATALOGUE` (e.g.
                        ``"project_irr_after_tax"``) also selects how values are formatted
``mode``        str     optional: how re-dispatching inputs were valued (``"screening"``:
                        the delta method, ``"full"``: exact lives), one value per frame
``low_method``  str     optional: how each end was valued (``"revalued"``, ``"screening
``high_method``         delta"``, ``"re-dispatched"``); :func:`method_note` says it in words
==============  ======  ================================================================

:func:`bessfin.studies.tornado` returns such a frame. :func:`check_tornado` validates one
and returns it sorted by swing (widest bar first), with ``low_delta``, ``high_delta`` and
``swing`` columns added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bessfin.finance import METRIC_CATALOGUE

REQUIRED = ("parameter", "low_label", "high_label", "low_value", "high_value", "base_value")

def check_tornado(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a tornado frame and sort it by swing, widest first.

    Parameters
    ----------
    frame
        See the module docstring for the columns.

    Returns
    -------
    DataFrame
        A copy with ``low_delta`` / ``high_delta`` (value minus base) and ``swing``
        (``|high - low|``, NaN-safe) added, sorted by swing descending, index reset.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    ValueError
        A required column is missing, the frame is empty, a parameter repeats, a value column
        is not numeric, the base value is NaN or differs between rows, or ``metric`` has more
        than one value.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"tornado must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"tornado frame is missing columns {missing}; "
                         f"required: {list(REQUIRED)}, got {list(frame.columns)}")
    if frame.empty:
        raise ValueError("tornado frame has no rows")
    dupes = frame["parameter"][frame["parameter"].duplicated()].tolist()
    if dupes:
        raise ValueError(f"tornado parameters must be unique, repeated: {dupes}")
    out = frame.copy()
    for col in ("low_value", "high_value", "base_value"):
        try:
            out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
        except (ValueError, TypeError) as e:
            raise ValueError(f"tornado column {col!r} must be numeric: {e}") from None
    base = out["base_value"].to_numpy()
    if not np.all(np.isfinite(base)):
        raise ValueError("tornado base_value must be finite in every row")
    if not np.allclose(base, base[0], rtol=1e-9, atol=1e-12):
        raise ValueError(f"tornado base_value must be the same in every row, got "
                         f"{sorted(set(base.tolist()))}")
    if "metric" in out.columns and out["metric"].nunique(dropna=False) > 1:
        raise ValueError(f"tornado metric must be one value, got {out['metric'].unique()}")
    out["low_delta"] = out["low_value"] - out["base_value"]
    out["high_delta"] = out["high_value"] - out["base_value"]
    out["swing"] = (out["high_value"] - out["low_value"]).abs()
    order = out["swing"].fillna(-1.0).sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def tornado_metric(frame: pd.DataFrame) -> tuple[str, str]:
    """``(label, kind)`` of a tornado frame's metric (``"metric", "number"`` if unnamed)."""
    if "metric" not in frame.columns:
        return "metric", "number"
    name = str(frame["metric"].iloc[0])
    spec = METRIC_CATALOGUE.get(name)
    return name.replace("_", " "), "number" if spec is None else spec.format


#: What each ``low_method`` / ``high_method`` value means, in words.
METHOD_WORDS = {
    "revalued": "re-valued on the base case's dispatch (the input does not change it)",
    "screening delta": "by the screening delta: the base case plus the change of the metric "
                       "between screening-mode lives (each price year dispatched at a few "
                       "capacity factors, interpolated) with and without the input moved",
    "re-dispatched": "re-dispatched over the whole life in the base case's dispatch mode",
}


def method_note(frame: pd.DataFrame) -> str:
    """How the bars of a tornado frame were valued and why an end is undefined, in words
    (empty without the optional ``low_method`` / ``high_method`` / ``note`` columns)."""
    text = []
    if {"low_method", "high_method"} <= set(frame.columns):
        by: dict[str, list[str]] = {}
        for low, high, param in zip(frame["low_method"], frame["high_method"],
                                    frame["parameter"], strict=True):
            for method in dict.fromkeys((low, high)):
                by.setdefault(str(method), []).append(str(param))
        mode = f"Tornado mode {frame['mode'].iloc[0]}: " if "mode" in frame.columns else ""
        text.append(mode + "; ".join(f"{', '.join(params)} {METHOD_WORDS.get(m, m)}"
                                     for m, params in by.items()) + ".")
    if "note" in frame.columns:
        text += [f"Undefined: {n}." for n in frame["note"] if isinstance(n, str) and n]
    return " ".join(text)
