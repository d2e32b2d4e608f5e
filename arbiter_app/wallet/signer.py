"""The one narrow contract every signer meets, and the prompt the device code talks to.

A :class:`Signer` knows one account on one network: its Stacks address and compressed
public key, and it signs a transaction or SIP-018 structured data. Whatever it returns has
already been checked against the hash that was meant to be signed and the account's public
key, so a caller never needs to verify again and a bad signature is never used. The only
UI a signer touches is a :class:`DevicePrompt` ("confirm on device", step i of n, "check your
Ledger", finished, and whether the user cancelled); the Qt implementation marshals it to the
GUI thread, the CLI one prints to stderr. Every signature is asked with its *subject* (what
is signed, in the caller's words: amount, recipient, invoice); the signer adds the device's
own words, and :class:`Confirmation` is the one place that words the request. This follows
HWI's ``HardwareWalletClient`` and Electrum's ``HardwareHandlerBase``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from arbiter_app import config
from arbiter_app.errors import UsageError

if TYPE_CHECKING:
    from arbiter_app.stacks.clarity import ClarityValue, Tuple
    from arbiter_app.stacks.transaction import Transaction

# SIP-005 / Ledger Stacks app: single-sig accounts live at m/44'/5757'/0'/0/N.
STACKS_COIN_TYPE = 5757


@dataclass(frozen=True)
class Confirmation:
    """One request to the user at the device.

    :param subject: what is signed, in the caller's words (e.g. "release 0.2 sBTC to ST…,
        invoice 101")
    :param device: what the device itself asks, in its words (e.g. "review resolve-dispute
        on ST….escrow-secure (fee 400 µSTX, nonce 3), then approve")
    """

    subject: str
    device: str

    @property
    def text(self) -> str:
        """The one wording of the request, shown by every prompt (Qt, stderr)."""
        headline = f"Confirm on your Ledger: {self.subject}" if self.subject \
            else "Confirm on your Ledger"
        return f"{headline}\nThe Ledger asks you to {self.device}."


def stalled_text(seconds: float) -> str:
    """The one wording of "the device has not answered for ``seconds``"."""
    return (f"Your Ledger has not answered for {seconds:.0f} s: check your Ledger (connected, "
            "unlocked, the Stacks app open, the request on its screen), or cancel.")


@runtime_checkable
class DevicePrompt(Protocol):
    """What a signer may tell the user, and ask, while it waits for a device."""

    def confirm(self, request: Confirmation) -> None:
        """Ask the user to look at the device and confirm ``request`` there."""

    def step(self, index: int, total: int) -> None:
        """Report that step ``index`` of ``total`` (1-based) is being sent."""

    def stalled(self, message: str) -> None:
        """The device has not answered for a while: show ``message`` (check the device)."""

    def finished(self) -> None:
        """The device has answered (or was given up); any waiting message can go away."""

    @property
    def cancelled(self) -> bool:
        """Whether the user asked to abandon the request."""


@runtime_checkable
class Signer(Protocol):
    """One account's key, wherever it lives (a Ledger, an encrypted software keystore)."""

    network: config.Network

    def address(self) -> str:
        """The account's c32 Stacks address on :attr:`network`."""

    def public_key(self) -> bytes:
        """The account's 33-byte compressed secp256k1 public key."""

    def sign_transaction(self, tx: Transaction, prompt: DevicePrompt | None = None, *,
                         subject: str = "") -> Transaction:
        """Sign ``tx`` as its origin and return the signed transaction.

        :param subject: what is signed, in plain words, for the prompt
        :raises DeviceError: (hardware signers) naming what the device did
        :raises Cancelled: the user cancelled through the prompt (the request is abandoned)
        :raises VerificationError: the signature does not verify; it is never returned
        """

    def sign_structured_message(
        self, domain: Tuple, message: ClarityValue, prompt: DevicePrompt | None = None, *,
        subject: str = "",
    ) -> bytes:
        """Sign SIP-018 structured data; return the 65-byte RSV signature.

        :param subject: what is signed, in plain words, for the prompt
        """


class SilentPrompt:
    """A prompt that shows nothing and never cancels (signers that never wait on a user)."""

    cancelled = False

    def confirm(self, request: Confirmation) -> None:
        """Show nothing."""

    def step(self, index: int, total: int) -> None:
        """Show nothing."""

    def stalled(self, message: str) -> None:
        """Show nothing."""

    def finished(self) -> None:
        """Show nothing."""


class StderrPrompt:
    """The command line's prompt: its lines on stderr; Ctrl-C is how a terminal cancels."""

    cancelled = False

    def confirm(self, request: Confirmation) -> None:
        """Tell the user what to confirm on the device."""
        print(request.text, file=sys.stderr, flush=True)

    def step(self, index: int, total: int) -> None:
        """Show sending progress only when there is more than one step."""
        if total > 1:
            print(f"  sending part {index} of {total}", file=sys.stderr, flush=True)

    def stalled(self, message: str) -> None:
        """Ask the user to check the device."""
        print(message, file=sys.stderr, flush=True)

    def finished(self) -> None:
        """Nothing to clear on a terminal."""


def derivation_path(account: int) -> tuple[int, ...]:
    """The BIP32 path ``m/44'/5757'/0'/0/account`` as integers (hardened levels marked).

    :raises UsageError: ``account`` is not in 0..2^31-1
    """
    if not 0 <= account < 2**31:
        raise UsageError(f"account must be between 0 and 2^31-1, not {account}")
    hardened = 0x80000000
    return (44 | hardened, STACKS_COIN_TYPE | hardened, 0 | hardened, 0, account)


def format_path(path: tuple[int, ...]) -> str:
    """Text form of a BIP32 path, e.g. ``m/44'/5757'/0'/0/0``."""
    parts = [f"{p & 0x7FFFFFFF}'" if p & 0x80000000 else str(p) for p in path]
    return "/".join(["m", *parts])
