"""Names of the recurrent cells (kept for imports; the definitions live in shared/ids.py)."""

from shared.ids import CELL_TYPES, STATE_NAMES, STATES_PER_CELL

__all__ = ["CELL_TYPES", "STATE_NAMES", "STATES_PER_CELL"]
