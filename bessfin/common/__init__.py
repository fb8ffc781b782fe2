"""Floor 0 helpers every layer may use: strict finite numbers for input models, and the one
§48E policy table (rates, domestic-content and MACR schedules) that finance and supply both read.
"""

from bessfin.common.numbers import MAX_ABS, FiniteFloat, StrictInt
from bessfin.common.policy import policy_table, schedule, schedule_value

__all__ = [
    "MAX_ABS",
    "FiniteFloat",
    "StrictInt",
    "policy_table",
    "schedule",
    "schedule_value",
]
