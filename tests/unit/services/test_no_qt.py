"""The services and their commands never load Qt."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "arbiter_app.services.session", "arbiter_app.services.sync", "arbiter_app.services.chain",
    "arbiter_app.services.evidence", "arbiter_app.services.ruling",
    "arbiter_app.services.rationale", "arbiter_app.services.listing",
    "arbiter_app.stacks.api", "arbiter_app.stacks.escrow",
    "arbiter_app.cli.sync", "arbiter_app.cli.disputes",
]


def test_services_import_without_qt() -> None:
    code = (f"import sys\nfor m in {MODULES!r}:\n    __import__(m)\n"
            "loaded = [m for m in sys.modules if m.startswith('PySide6')]\n"
            "print(','.join(loaded))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
