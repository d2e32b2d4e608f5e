"""Run the command line as ``python -m arbiter_app``."""

import sys

from arbiter_app.cli import main

sys.exit(main())
