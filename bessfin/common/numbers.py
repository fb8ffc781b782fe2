"""Strict, finite numbers for every input model (deal files, portfolio overrides, the API).

Pydantic's default ("lax") mode reads TOML ``true`` as 1 and accepts ``inf``, ``nan`` and 1e300;
a deal with ``power_mw = true`` was a 1 MW battery. These annotated types refuse that:

* :data:`FiniteFloat` - an int or a float, never a bool or a string; finite; ``|x| <= MAX_ABS``.
* :data:`StrictInt` - an int, never a bool, a float or a string.

Yes/no keys stay plain ``bool`` (``true``, and the usual spellings ``yes``/``1`` a portfolio
CSV may carry): a yes/no answer cannot be mistaken for a quantity.

Field-specific bounds (e.g. power <= 10,000 MW) are added with ``Field(le=...)`` where the field is
declared; docs/deals.md lists them with their reasons.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AllowInfNan, Strict

#: Largest magnitude any input number may have [unit of the field]. No quantity in a deal comes
#: close (the largest are dollar amounts: a $1 trillion development cost is already absurd), so a
#: larger value is a typo or a placeholder such as 1e300, never a real input.
MAX_ABS = 1e12



def _within_max_abs(x: float) -> float:
    """Refuse a magnitude above :data:`MAX_ABS` (after the field's own bounds, which win)."""
    if abs(x) > MAX_ABS:
        raise ValueError(f"must be within +-{MAX_ABS:g} (a placeholder or a unit slip?)")
    return x


FiniteFloat = Annotated[float, Strict(), AllowInfNan(False), AfterValidator(_within_max_abs)]
StrictInt = Annotated[int, Strict(), AfterValidator(_within_max_abs)]
