"""Qt item models over frozen domain rows (STYLE habit 9)."""
