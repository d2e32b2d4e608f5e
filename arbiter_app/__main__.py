"""Run the command line as ``python -m arbiter_app``.

In the PyInstaller bundle this module is the executable, and there is no ``python`` to start a
child process with: ``[sys.executable, "-m", "arbiter_app.X", ...]`` (the evidence render
child) runs the bundle itself. So the bundle also accepts ``-m arbiter_app.X ARGS`` and runs
that module of the app as ``python -m`` would.
"""

import runpy
import sys

if getattr(sys, "frozen", False) and sys.argv[1:2] == ["-m"] and len(sys.argv) > 2 \
        and sys.argv[2].startswith("arbiter_app."):
    module = sys.argv[2]
    sys.argv = [sys.argv[0], *sys.argv[3:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
else:
    from arbiter_app.cli import main

    sys.exit(main())
