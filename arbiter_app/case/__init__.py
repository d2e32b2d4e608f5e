"""The case domain: models, the six-step decision framework, the review policy (no I/O)."""
