"""Cross-check of bessfin's finance against NREL SAM Single Owner (optional extra ``sam``)."""

from bessfin.sam.compare import (
    TOL_DSCR,
    TOL_IRR,
    TOL_USD,
    CrosscheckResult,
    compare_with_sam,
    conventions_gap,
    crosscheck,
    sam_conventions_deal,
)
from bessfin.sam.model import INSTALL_HINT, SamNotInstalledError

__all__ = [
    "INSTALL_HINT",
    "TOL_DSCR",
    "TOL_IRR",
    "TOL_USD",
    "CrosscheckResult",
    "SamNotInstalledError",
    "compare_with_sam",
    "conventions_gap",
    "crosscheck",
    "sam_conventions_deal",
]
