"""``arbiter-app config``: show the settings, change one, or print where they live.

``config show [--json]`` prints every key with its value (the API key only as ``(set)``);
``config set KEY VALUE`` checks the value against the key's type (JSON when it parses as
the key's type, e.g. ``48``, ``null`` or ``["https://ipfs.io"]``, else a plain string),
replaces the file atomically and logs the change; ``config path`` prints the file in use.

``show`` and ``path`` only read the settings file: the service that logs a change (and with it
the case store and the signers) is imported by ``set`` alone.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json, report


def register(subparsers: Any) -> None:
    """Add the ``config`` command group."""
    parser = subparsers.add_parser("config", help="show or change the settings",
                                   description="Show or change the settings (keys and types "
                                               "in the README).")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print every setting")
    show.add_argument("--json", action="store_true", help="print a JSON object")
    show.set_defaults(handler=run_show)
    change = sub.add_parser("set", help="change one setting (checked, then logged)")
    change.add_argument("key", metavar="KEY", help="e.g. sla_hours or ipfs_limits.max_blocks")
    change.add_argument("value", metavar="VALUE", help="the new value (JSON or plain text)")
    change.set_defaults(handler=run_set)
    path = sub.add_parser("path", help="print the settings file in use")
    path.set_defaults(handler=run_path)


def settings_path(args: argparse.Namespace) -> Path:
    """The settings file: ``--config``, else ``ARBITER_APP_CONFIG``, else the per-user one."""
    return Path(args.config) if args.config else config.default_config_path()


def run_show(args: argparse.Namespace) -> int:
    """Print the settings as ``key = value`` lines, or as JSON."""
    settings = config.load(settings_path(args))
    if args.json:
        document = config.to_dict(settings)
        print_json({key: config.masked(key, value) for key, value in document.items()})
    else:
        for key, value in config.flat(settings).items():
            print(f"{key} = {json.dumps(config.masked(key, value))}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    """Change one key; report the old and new value."""
    from arbiter_app.services import settings as service

    path = settings_path(args)
    new = service.with_value(config.load(path), args.key, args.value)
    changes = service.save(new, path)
    if not changes:
        report(f"{args.key} is already {args.value}; nothing changed")
    for key, (old, value) in changes.items():
        report(f"{key}: {json.dumps(old)} -> {json.dumps(value)} (saved to {path}, logged)")
    return 0


def run_path(args: argparse.Namespace) -> int:
    """Print the settings file's path."""
    print(settings_path(args))
    return 0
