"""Qt item models over frozen domain rows."""
