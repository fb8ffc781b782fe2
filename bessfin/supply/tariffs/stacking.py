"""How duty layers stack (``tariff_stacking.toml``): exemptions, Section 232 content shares,
layers not charged on the Section 232 portion and reciprocal rates inclusive of MFN.

All rates are fractions of customs value.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from bessfin.supply.tariffs.common import LAYERS, _load_toml
from bessfin.supply.tariffs.results import LayerCharge
from bessfin.supply.tariffs.scenarios import Scenario
from bessfin.supply.tariffs.schedule import _Row, _rows


@cache
def _stacking() -> dict[str, Any]:
    return _load_toml("tariff_stacking.toml")


def applicable_rows(item: str, origin: str, day: date, sc: Scenario) -> list[_Row]:
    """Rows in force for a canonical item and origin on ``day``, exempt layers removed."""
    exempt = {
        r["layer"]
        for r in _stacking().get("exemption", [])
        if r["tag"] in sc.tags and item in r["items"]
    }
    return [
        r
        for r in _rows()
        if (r.item in ("*", item)) and origin in r.origins and r.in_force(sc, day)
        and r.layer not in exempt
    ]


def metal_share(
    rows: list[_Row], shares: dict[str, float | None], item: str, origin: str, day: date
) -> float:
    """Sum of the Section 232 content shares the rows need [fraction of customs value].

    Raises
    ------
    ValueError
        A content layer is in force but its share was not given, or the shares sum above 1.
    """
    content = _stacking()["content_share"]
    total = 0.0
    for r in rows:
        if r.layer in content:
            arg = content[r.layer]
            if shares[arg] is None:
                raise ValueError(
                    f"{LAYERS[r.layer]} applies to the metal content of {item!r} from {origin!r} "
                    f"on {day} (row {r.row_id}); pass {arg} as a fraction of customs value in "
                    "[0, 1]"
                )
            total += shares[arg]  # type: ignore[operator]
    if total > 1.0 + 1e-12:
        raise ValueError(f"Section 232 content shares sum to {total:.3f} > 1")
    return total


def layer_charges(
    rows: list[_Row],
    shares: dict[str, float | None],
    metal: float,
    origin: str,
    sc: Scenario,
) -> list[LayerCharge]:
    """One charge per row, stacking rules applied, in :data:`LAYERS` order then row id."""
    rules = _stacking()
    content = rules["content_share"]
    not_on_232 = {r["layer"]: r for r in rules.get("not_on_232_portion", [])}
    mfn_rate = sum(r.rate(sc) for r in rows if r.layer == "mfn")
    inclusive = [
        r
        for r in rules.get("inclusive_of_mfn", [])
        if r["tag"] in sc.tags and origin in r["origins"]
    ]
    charges: list[LayerCharge] = []
    for r in rows:
        stat = r.rate(sc)
        base = 1.0
        status, source, note = r.status, r.source, r.note
        if r.layer in content:
            base = shares[content[r.layer]]  # type: ignore[assignment]
        elif r.layer in not_on_232 and metal > 0:
            base = 1.0 - metal
            note = f"{note} Not charged on the Section 232 portion: {not_on_232[r.layer]['source']}"
            if not_on_232[r.layer]["status"] == "UNCERTAIN":
                status = "UNCERTAIN"
        for rule in inclusive:
            if r.row_id in rule["rows"]:
                stat = max(0.0, stat - mfn_rate)
                status = rule["status"]
                note = f"{note} Inclusive of MFN ({mfn_rate:.2%}): {rule['source']}"
        charges.append(
            LayerCharge(
                layer=r.layer,
                row_id=r.row_id,
                statutory_rate=stat,
                base_share=base,
                rate=stat * base,
                status=status,
                source=source,
                note=note.strip(),
            )
        )
    order = list(LAYERS)
    charges.sort(key=lambda c: (order.index(c.layer), c.row_id))
    return charges
