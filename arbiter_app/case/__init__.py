"""The case domain: models, the six-step decision framework and the manual-review policy (no I/O)."""
