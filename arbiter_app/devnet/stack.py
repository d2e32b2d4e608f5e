"""The devnet and the emulated Ledger, started together and stopped together.

``arbiter-app devnet`` and ``arbiter-app demo`` both need the same three services: the Node
devnet, a Ledger emulator holding ``arbiter_1``'s key (so its address is the devnet's arbiter),
and the emulator's HTTP control API. :func:`running` starts them in that order and stops them
in reverse, whatever happens in between, so no process or port outlives the command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from arbiter_app.devnet.launcher import Devnet, devnet_mnemonics
from arbiter_app.devnet.ledger_control import ControlServer
from arbiter_app.devnet.ledger_emulator import LedgerEmulator


@dataclass(frozen=True)
class Stack:
    """The running services.

    :param devnet: the Node devnet (Stacks API, IPFS, admin)
    :param emulator: the Ledger emulator, keyed by the devnet's ``arbiter_1``
    :param control: the emulator's control API (mode, display record)
    """

    devnet: Devnet
    emulator: LedgerEmulator
    control: ControlServer

    @property
    def ledger(self) -> str:
        """The emulator's device address, as the ``ledger`` setting takes it."""
        return f"tcp:127.0.0.1:{self.emulator.port}"


@contextmanager
def running(port: int = 0, seed: bool = True, log_path: Path | None = None) -> Iterator[Stack]:
    """Start the devnet, the emulator and its control API; stop all three on exit.

    :param port: the devnet's port (0: a free one)
    :param seed: whether to run the seed scenario
    :param log_path: where the devnet's log goes (default: a temporary file)
    """
    with ExitStack() as stack:
        devnet = Devnet.start(port=port, seed=seed, log_path=log_path)
        stack.callback(devnet.stop)
        emulator = LedgerEmulator(devnet_mnemonics()["arbiter_1"]).start()
        stack.callback(emulator.stop)
        control = ControlServer(emulator).start()
        stack.callback(control.stop)
        yield Stack(devnet, emulator, control)
