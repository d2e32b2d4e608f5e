"""Use cases without Qt: sync disputes, verify evidence, execute rulings (DESIGN §3).

Long operations are generators yielding :class:`arbiter_app.progress.Progress` and checking
a cancel token between steps (STYLE habit 6); the CLI and the GUI's task runner drive them.
"""
