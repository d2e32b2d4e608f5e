"""Persistence: the case store (sqlite-utils, WAL), its migrations and the decision log."""
