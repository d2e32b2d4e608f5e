"""The Stacks app on a Ledger as a :class:`~arbiter_app.wallet.signer.Signer`.

Opening checks the app (GET_VERSION: open, unlocked, not too old) and reads the account's
public key and address. Signing sends the unsigned transaction, or ``SIP018`` + domain +
message, in INS 0x02 chunks, and takes the answer apart (digest, r, s, v, DER;
docs/stacks.md §6.6–§6.7). Every signature is checked against the sighash or message
hash the host computed itself and the device's public key before it is used; a signature
that fails is a :class:`DeviceReplyError` and is never attached. Status 0x6986 means
rejected, locked or busy, so GET_VERSION decides which (§6.9). The only UI touched is the
:class:`DevicePrompt`. A signature request is waited for with :class:`Patience`: after
``check_after`` seconds the prompt asks the user to check the device, after ``give_up`` the
request is abandoned (:meth:`LedgerTransport.abandon`) and :class:`DeviceTimeout` raised;
a cancel through the prompt abandons it the same way. Failures read as plain sentences.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from arbiter_app import config
from arbiter_app.errors import (
    AppVersionTooOld,
    Cancelled,
    DeviceLocked,
    DeviceReplyError,
    DeviceTimeout,
    InputError,
    VerificationError,
)
from arbiter_app.stacks import clarity, clarity_repr, sip018, transaction
from arbiter_app.stacks.payloads import ContractCall
from arbiter_app.wallet import apdu, verify
from arbiter_app.wallet.ledger_transport import DEFAULT_TIMEOUT, LedgerTransport
from arbiter_app.wallet.signer import (
    Confirmation,
    DevicePrompt,
    SilentPrompt,
    derivation_path,
    format_path,
    stalled_text,
)

if TYPE_CHECKING:
    from arbiter_app.stacks.clarity import ClarityValue, Tuple
    from arbiter_app.stacks.transaction import Transaction


POLL_SECONDS = 0.1  # how often a waiting request looks at the prompt's Cancel


@dataclass(frozen=True)
class Patience:
    """How long a signature request waits for the user at the device.

    :param check_after: seconds without an answer before the prompt says "check your Ledger"
    :param give_up: seconds without an answer before the request is abandoned
    """

    check_after: float = 5.0
    give_up: float = DEFAULT_TIMEOUT


class LedgerSigner:
    """One account of the Stacks app on one device.

    :param transport: an open device (see :class:`LedgerTransport`)
    :param network: the network whose address versions the device is asked for
    :param account: N of ``m/44'/5757'/0'/0/N``
    :param patience: how long a signature request waits
    """

    def __init__(
        self, transport: LedgerTransport, network: config.Network, account: int = 0,
        patience: Patience | None = None,
    ) -> None:
        self.transport = transport
        self.network = network
        self.path = derivation_path(account)
        self.patience = patience or Patience(give_up=transport.timeout)
        self.version = transport.run(self._check_app)
        self._public_key, self._address = transport.run(lambda: self._read_address(False))

    @classmethod
    def open(
        cls,
        address: str,
        network: config.Network,
        account: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        patience: Patience | None = None,
    ) -> LedgerSigner:
        """Connect to the device at ``address`` (``hid`` or ``tcp:HOST:PORT``) and check it.

        :param patience: how long signature requests wait (default: ``timeout`` in all)
        :raises DeviceNotFound, DeviceLocked, AppNotOpen, AppVersionTooOld, DeviceTimeout:
            the device is not ready, in plain words
        """
        transport = LedgerTransport(address, timeout)
        try:
            return cls(transport, network, account, patience)
        except BaseException:
            transport.close()
            raise

    def close(self) -> None:
        """Release the device."""
        self.transport.close()

    def address(self) -> str:
        """The account's address, as the device derived it."""
        return self._address

    def public_key(self) -> bytes:
        """The account's compressed public key, as the device derived it."""
        return self._public_key

    def confirm_address(self, prompt: DevicePrompt | None = None) -> str:
        """Show the address on the device and wait for the user to confirm it.

        :raises DeviceRejected: the user said it does not match
        """
        prompt = prompt or SilentPrompt()
        prompt.confirm(Confirmation(f"your address {self._address}",
                                    f"check that it shows {self._address}, then approve"))
        try:
            _, shown = self.transport.run(lambda: self._read_address(True))
        finally:
            prompt.finished()
        if shown != self._address:
            raise DeviceReplyError(f"the device showed {shown}, not {self._address}")
        return shown

    def sign_transaction(self, tx: Transaction, prompt: DevicePrompt | None = None, *,
                         subject: str = "") -> Transaction:
        """Sign ``tx`` on the device; return it signed, after checking the signature.

        :param subject: what is signed, in plain words (the prompt adds the device's words)
        :raises PolicyError: ``tx`` is for another network (nothing is sent)
        :raises VerificationError: ``tx`` is not from this account (nothing is sent)
        :raises DeviceRejected: the user rejected it on the device
        :raises DeviceTimeout: no answer within the patience (the request is abandoned)
        :raises Cancelled: the user cancelled through the prompt (the request is abandoned)
        :raises DeviceReplyError: the device's signature does not verify
        """

        verify.check_network(tx, self.network)
        sender = transaction.sender_address(tx)
        if sender != self._address:
            raise VerificationError(
                f"the transaction's sender is {sender}, not this Ledger account {self._address}"
            )
        what = _describe_call(tx)
        reply = self._sign(transaction.serialize(tx), "signing the transaction",
                           Confirmation(subject, f"review {what}, then approve"), prompt)
        signed = transaction.attach_signature(tx, reply.vrs)
        try:
            verify.check_signed_transaction(tx, signed, self._public_key)
        except VerificationError as e:
            raise DeviceReplyError(
                f"the Ledger returned a signature that does not verify: {e}"
            ) from e
        if reply.digest != transaction.postsign_sighash(signed):
            raise DeviceReplyError("the Ledger's post-sign hash differs from the transaction's")
        return signed

    def sign_structured_message(
        self, domain: Tuple, message: ClarityValue, prompt: DevicePrompt | None = None, *,
        subject: str = "",
    ) -> bytes:
        """Sign SIP-018 structured data on the device; return the checked RSV signature.

        :param subject: what is signed, in plain words (the prompt adds the device's words)
        :raises InputError: the domain is not exactly name, version, chain-id (the app
            refuses any other)
        :raises DeviceReplyError: the device signed another hash, or the signature fails
        """

        _check_domain(domain)
        payload = apdu.sip018_payload(clarity.serialize(domain), clarity.serialize(message))
        what = f"the signed message for {clarity_repr.repr_value(domain)}"
        reply = self._sign(payload, "signing the message",
                           Confirmation(subject, f"review {what}, then approve"), prompt)
        digest = sip018.message_hash(domain, message)
        if reply.digest != digest:
            raise DeviceReplyError("the Ledger signed a different message hash than the one sent")
        try:
            verify.check_rsv(digest, reply.rsv, self._public_key)
        except VerificationError as e:
            raise DeviceReplyError(
                f"the Ledger returned a signature that does not verify: {e}"
            ) from e
        return reply.rsv

    def _sign(
        self, payload: bytes, action: str, request: Confirmation, prompt: DevicePrompt | None
    ) -> apdu.SignatureReply:
        prompt = prompt or SilentPrompt()
        commands = apdu.sign_commands(self.path, payload)

        def send_all() -> bytes:
            for index, command in enumerate(commands, start=1):
                prompt.step(index, len(commands))
                if index == len(commands):
                    prompt.confirm(request)
                data = self._call(command, action)
            return data

        try:
            return apdu.parse_signature(self._await(self.transport.submit(send_all), prompt))
        finally:
            prompt.finished()

    def _await(self, pending: Future[bytes], prompt: DevicePrompt) -> bytes:
        """The device's answer, unless the user cancels or the patience runs out first."""
        start = time.monotonic()
        warned = False
        while True:
            try:
                return pending.result(timeout=POLL_SECONDS)
            except TimeoutError:
                waited = time.monotonic() - start
            if prompt.cancelled:
                self.transport.abandon()
                raise Cancelled()
            if waited >= self.patience.give_up:
                self.transport.abandon()
                raise DeviceTimeout(f"the Ledger did not answer within "
                                    f"{self.patience.give_up:g} s; the request was abandoned")
            if not warned and waited >= self.patience.check_after:
                prompt.stalled(stalled_text(waited))
                warned = True

    def _call(self, command: bytes, action: str) -> bytes:
        """One exchange; a failing status word becomes the error that names it."""
        data, sw = self.transport.exchange(command)
        if sw == apdu.SW_OK:
            return data
        if sw == apdu.SW_COMMAND_NOT_ALLOWED:
            self._raise_if_locked()
        raise apdu.error_for_status(sw, data, action)

    def _raise_if_locked(self) -> None:
        """Tell "locked" from "rejected" after 0x6986 with GET_VERSION (§6.4, §6.9)."""
        data, sw = self.transport.exchange(apdu.get_version())
        if sw == apdu.SW_DASHBOARD_LOCKED or (sw == apdu.SW_OK and apdu.parse_version(data).locked):
            raise DeviceLocked("the Ledger is locked: unlock it with your PIN and retry")

    def _check_app(self) -> apdu.AppVersion:
        version = apdu.parse_version(self._call(apdu.get_version(), "checking the Stacks app"))
        if version.locked:
            raise DeviceLocked("the Ledger is locked: unlock it with your PIN and retry")
        if version.triple < apdu.MIN_APP_VERSION:
            minimum = ".".join(map(str, apdu.MIN_APP_VERSION))
            raise AppVersionTooOld(
                f"the Stacks app is version {version}; update it to {minimum} or later"
            )
        return version

    def _read_address(self, display: bool) -> tuple[bytes, str]:
        command = apdu.get_address(self.path, self.network.single_sig_version, display)
        action = "confirming the address" if display else "reading the address"
        public_key, address = apdu.parse_address(self._call(command, action))
        expected = verify.address_of(public_key, self.network)
        if address != expected:
            raise DeviceReplyError(
                f"the Ledger gave address {apdu.printable(address)} for {format_path(self.path)}, "
                f"but its public key makes {expected}"
            )
        return public_key, address


def _check_domain(domain: Tuple) -> None:
    names = sorted(getattr(domain, "fields", {}))
    if names != ["chain-id", "name", "version"]:
        raise InputError(
            "the Ledger signs only a SIP-018 domain of exactly name, version and chain-id"
        )


def _describe_call(tx: Transaction) -> str:
    """The words of the "confirm on device" message: what is called, fee and nonce."""

    payload = tx.payload
    call = (
        f"{payload.function_name} on {payload.contract_id}"
        if isinstance(payload, ContractCall)
        else "the transaction"
    )
    return f"{call} (fee {tx.auth.fee} µSTX, nonce {tx.auth.nonce})"
