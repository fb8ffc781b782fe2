"""Named bundles of tax conventions (``finance.conventions`` in a deal).

``"bessfin"`` keeps the deal's own tax settings (defaults: NOLs carried forward, the ITC sold at
the transfer price). ``"sam"`` sets the conventions of NREL SAM's Single Owner model, under which
bessfin's pro forma equals SAM's (``bessfin crosscheck``; docs/finance.md):

* ``loss_treatment = "used_as_arise"``: a tax loss is a benefit in its year (SAM computes tax as
  rate x taxable income, negative included: ssc ``cmod_singleowner.cpp``, ``cf_statax``/
  ``cf_fedtax``);
* ``itc_monetisation = "direct"``: the credit is cash to the owner in its year (SAM adds
  ``cf_itc_total`` to after-tax cash flow; no transfer discount);
* ``itc_year = 1``: SAM's ITC arrives in the first operating year.

SAM's other cash items (reserves, debt closing costs and fees, salvage, construction financing,
incentives, inflation) have no bessfin counterpart: the cross-check switches them off in SAM.
"""

from __future__ import annotations

from typing import Literal

from bessfin.finance.inputs import TaxInputs

Conventions = Literal["bessfin", "sam"]

#: Tax fields each preset sets.
CONVENTIONS: dict[str, dict[str, object]] = {
    "bessfin": {},
    "sam": {"loss_treatment": "used_as_arise", "itc_monetisation": "direct", "itc_year": 1},
}


def convention_conflicts(tax: TaxInputs, name: str) -> list[str]:
    """Tax fields set explicitly in ``tax`` to a value the preset ``name`` changes."""
    preset = _preset(name)
    return [
        f"tax.{k} = {getattr(tax, k)!r} (the {name!r} conventions set {v!r})"
        for k, v in preset.items()
        if k in tax.model_fields_set and getattr(tax, k) != v
    ]


def apply_conventions(tax: TaxInputs, name: str) -> TaxInputs:
    """``tax`` with the preset ``name`` applied (the preset wins)."""
    return tax.model_copy(update=_preset(name))


def _preset(name: str) -> dict[str, object]:
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ValueError(
            f"finance.conventions must be one of {sorted(CONVENTIONS)}, got {name!r}") from None
