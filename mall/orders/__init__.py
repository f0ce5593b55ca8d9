"""Orders: lifecycle, refunds, settlement by the tick."""
