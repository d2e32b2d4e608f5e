"""The ``arbiter-app`` command line: one parser, one error presenter, one exit policy.

Each command group lives in its own module of this package with a
``register(subparsers)`` function that adds its parser and sets ``handler`` on it; a
handler takes the parsed arguments and returns an exit status. Group modules import
their heavy dependencies inside the handler, so that ``arbiter-app tx decode`` never
loads Qt or starts anything it does not need.

Exit status: 0 success, 1 a failure or verification failure (any :class:`ArbiterError`),
2 bad usage (argparse errors and :class:`UsageError`), 130 interrupted by Ctrl-C. Every run
logs to the file :mod:`arbiter_app.cli.logfile` sets up; an unexpected error names it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from arbiter_app import __version__
from arbiter_app.cli import logfile
from arbiter_app.errors import ArbiterError, Cancelled, UsageError

# Command group modules, in the order ``--help`` lists them.
GROUPS: tuple[str, ...] = (
    "ledger", "sync", "disputes", "case", "ruling", "search", "party", "devnet", "log",
    "receipt", "publish", "evidence", "tx", "settings", "gui", "demo", "desktop",
)
# Groups that run the Node devnet, which the PyInstaller bundle does not carry.
DEVNET_GROUPS = frozenset({"devnet", "demo"})
NOT_IN_BUNDLE = (
    "'arbiter-app {name}' is not part of this bundle: it runs the devnet on Node.js, which the "
    "bundle does not carry. Run it from a source checkout ('make demo') or from an installed "
    "wheel ('pip install arbiter-app', then 'arbiter-app {name}')"
)

# Named ``logger``: ``log`` is the name of the ``log`` command's submodule, which importing
# it binds on this package.
logger = logging.getLogger("arbiter_app")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="arbiter-app",
        description="Arbiter Desk: review, rule on and sign sBTC escrow disputes on Stacks.",
    )
    parser.add_argument("--version", action="version", version=f"arbiter-app {__version__}")
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (default: the per-user config file)"
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the log's records on stderr")
    parser.add_argument("--debug", action="store_true",
                        help="log at debug level (the log file is named in error messages)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        if name in DEVNET_GROUPS and getattr(sys, "frozen", False):
            _register_absent(subparsers, name)
            continue
        module = importlib.import_module(f"arbiter_app.cli.{name}")
        module.register(subparsers)
    return parser


def _register_absent(subparsers: Any, name: str) -> None:
    """Add ``name`` unlisted, answering any use with where to run it instead."""

    def refuse(args: argparse.Namespace) -> int:
        raise UsageError(NOT_IN_BUNDLE.format(name=name))

    parser = subparsers.add_parser(name, add_help=False, prefix_chars="\0")  # '-' is no prefix
    parser.add_argument("ignored", nargs="*")
    parser.set_defaults(handler=refuse)


def print_json(document: Any) -> None:
    """Print a JSON document in the stable form every ``--json`` output uses."""
    json.dump(document, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


def report(message: str) -> None:
    """Print a progress or status line for the user on stderr."""
    print(message, file=sys.stderr, flush=True)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; no command means ``gui``, with the global options kept.

    :raises SystemExit: with status 2 on bad usage (argparse's own message)
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*argv, "gui"])
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Ctrl-C ends with 130 and one line; a closed pipe (``arbiter-app disputes | head``) ends
    quietly.

    :param argv: arguments without the program name (default: ``sys.argv[1:]``)
    """
    try:
        status = run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("arbiter-app: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away; point stdout at /dev/null so the interpreter's last flush
        # does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def command_name(args: argparse.Namespace) -> str:
    """The command and its action, e.g. ``receipt verify``."""
    words = [args.command]
    words += [str(v) for k, v in sorted(vars(args).items())
              if k.endswith("_command") and isinstance(v, str)]
    return " ".join(words)


def warn_if_readable(args: argparse.Namespace) -> None:
    """Warn, at every start, about the settings and data files other local users can read."""
    from pathlib import Path

    from arbiter_app import config, private

    chosen = Path(args.config) if args.config else None
    try:
        data = Path(config.load(chosen).data_dir)
    except ArbiterError:
        return  # the command reports a bad settings file itself
    paths = [chosen or config.default_config_path(), data, data / "cases.sqlite",
             data / "ipfs-cache"]
    for warning in private.too_open(paths):
        logger.warning(warning)
        print(f"arbiter-app: warning: {warning}", file=sys.stderr)


def run(argv: Sequence[str]) -> int:
    """Parse, set up logging, run the handler, and present its error by the exit policy."""
    args = parse(argv)
    log_path = logfile.configure(debug=args.debug, verbose=args.verbose)
    # The command's name only: its arguments may hold a secret (config set api_key VALUE).
    logger.info("arbiter-app %s: %s", __version__, command_name(args))
    warn_if_readable(args)
    try:
        status: int = args.handler(args)
        return status
    except Cancelled:
        return 1
    except ArbiterError as e:
        logger.info("%s: %s", type(e).__name__, e)
        print(f"arbiter-app: {e}", file=sys.stderr)
        return e.exit_code
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as e:
        logger.exception("unexpected error")
        print(f"arbiter-app: an unexpected error occurred ({type(e).__name__}); details are "
              f"in the log: {log_path}", file=sys.stderr)
        return 1
