"""The ``arbiter-app`` command line: one parser, one error presenter, one exit policy.

Each command lives in a module of this package with a ``register(subparsers)`` function
that adds its parser and sets ``handler`` on it; a handler takes the parsed arguments and
returns an exit status. :data:`COMMANDS` is the table of commands, their modules and their
lines in ``--help``. A run imports only the module of its own command, so every command
module imports what its handlers need at its top, and ``arbiter-app --version`` or
``tx decode`` never load Qt, the case store or the network clients.

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
from pathlib import Path
from typing import Any

from arbiter_app import __version__, config, private
from arbiter_app.cli import logfile
from arbiter_app.errors import ArbiterError, Cancelled, UsageError

# Every command, in the order ``--help`` lists them: the module of this package that registers
# it, and its line in ``--help`` (the same words as the module's own parser, which a test
# holds equal). A run imports the module of its own command only.
COMMANDS: dict[str, tuple[str, str]] = {
    "ledger": ("ledger", "use the Ledger's Stacks app"),
    "sync": ("sync", "fetch disputes and evidence into the case store"),
    "disputes": ("disputes", "list the case store's disputes"),
    "case": ("case", "show a case, complete or reopen steps 1-4"),
    "rule": ("ruling", "step 5: finalize the ruling with its rationale"),
    "execute": ("ruling", "step 6: review, sign, broadcast, confirm, issue the receipt"),
    "search": ("search", "find past cases by rationale, evidence titles or parties"),
    "party": ("party", "manage the suspicious-address list"),
    "devnet": ("devnet", "run the local devnet until interrupted"),
    "log": ("log", "export or verify the decision log"),
    "receipt": ("receipt", "verify a ruling receipt or render its PDF"),
    "bundle": ("bundle", "write or verify a ruled case's bundle"),
    "publish": ("publish", "retry publications still queued"),
    "evidence": ("evidence", "verify evidence files against their CIDs"),
    "tx": ("tx", "inspect Stacks transactions"),
    "config": ("settings", "show or change the settings"),
    "gui": ("gui", "open the desktop app (the default command)"),
    "demo": ("demo", "devnet + seeded disputes + emulated Ledger + the desktop app"),
    "install-desktop": ("desktop", "install the menu entry, icons and (asked) the Ledger udev "
                                   "rule"),
}
# Command modules that run the Node devnet, which the PyInstaller bundle does not carry.
DEVNET_GROUPS = frozenset({"devnet", "demo"})
NOT_IN_BUNDLE = (
    "'arbiter-app {name}' is not part of this bundle: it runs the devnet on Node.js, which the "
    "bundle does not carry. Run it from a source checkout ('make demo') or from an installed "
    "wheel ('pip install arbiter-app', then 'arbiter-app {name}')"
)

# Named ``logger``: ``log`` is the name of the ``log`` command's submodule, which importing
# it binds on this package.
logger = logging.getLogger("arbiter_app")


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """The options that come before the command."""
    parser.add_argument("--version", action="version", version=f"arbiter-app {__version__}")
    parser.add_argument(
        "--config", metavar="FILE", help="settings file (default: the per-user config file)"
    )
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the log's records on stderr")
    parser.add_argument("--debug", action="store_true",
                        help="log at debug level (the log file is named in error messages)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser: every command by name and help line, and the whole parser of ``command``
    (of every command when ``None``), whose module is imported for it."""
    parser = argparse.ArgumentParser(
        prog="arbiter-app",
        description="Arbiter Desk: review, rule on and sign sBTC escrow disputes on Stacks.",
    )
    add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = {module for name, (module, _) in COMMANDS.items() if command in (None, name)}
    registered: set[str] = set()
    for name, (module, summary) in COMMANDS.items():
        if module in DEVNET_GROUPS and getattr(sys, "frozen", False):
            _register_absent(subparsers, name)
        elif module not in wanted:
            subparsers.add_parser(name, help=summary)
        elif module not in registered:
            importlib.import_module(f"arbiter_app.cli.{module}").register(subparsers)
            registered.add(module)
    return parser


def named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word after the global options, if any."""
    first = argparse.ArgumentParser(prog="arbiter-app", add_help=False)
    add_global_options(first)
    first.add_argument("command", nargs="?")
    command: str | None = first.parse_known_args(argv)[0].command
    return command


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
    command = named_command(argv)
    parser = build_parser(command or "gui")
    return parser.parse_args(argv if command else [*argv, "gui"])


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
