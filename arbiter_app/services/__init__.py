"""Use cases without Qt: sync disputes, verify evidence, execute rulings (docs/ARCHITECTURE.md §2).

Long operations are generators yielding :class:`arbiter_app.progress.Progress` and checking
a cancel token between steps; the CLI and the GUI's task runner drive them.
"""
