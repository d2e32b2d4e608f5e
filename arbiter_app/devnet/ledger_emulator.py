"""A Ledger running the Stacks app, emulated: its APDUs and status words over the speculos
TCP framing, so ledgerblue's real ``commTCP`` transport can drive it in tests and the demo.

Keys come from a BIP39 mnemonic by BIP32 (``m/44'/5757'/0'/0/N``), so the emulated device
owns the devnet's arbiter accounts. Like the device, it parses what it is asked to sign
(with the app's own Stacks codecs) and keeps the record of what its screen would show
(network, sender, function, arguments, post-conditions, fee, nonce), then signs the
presign sighash (transactions) or the SIP-018 message hash and answers digest, r, s, v,
DER (docs/stacks.md §6.6–§6.7). Modes make it reject, be locked, have another app
open, never answer, or return a corrupted signature or one made by another key. Framing
(what ``commTCP`` reads): the host sends a 4-byte big-endian length and the APDU; the
reply is a 4-byte big-endian length of the data, the data, then the 2-byte status word.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Any

from arbiter_app.devnet import ledger_screens
from arbiter_app.wallet import apdu, hd

MODES = (
    "approve",
    "reject",
    "locked",
    "other_app",
    "corrupt_signature",
    "wrong_key",
    "unresponsive",
    "awaiting_button",
)
# Modes that hold a request until the mode changes: "unresponsive" every command but
# GET_VERSION; "awaiting_button" the last part of a signature, shown and never pressed, so
# a later "approve" or "reject" answers it late.
HOLDING = ("unresponsive", "awaiting_button")
# docs/stacks.md §6.6: 8 KiB RAM + 85 KiB flash on non-Nano-S targets
MAX_PAYLOAD = 8 * 1024 + 85 * 1024
DEFAULT_VERSION = (0, 26, 14)
TARGET_NANO_S_PLUS = 0x33100004


class DeviceState:
    """The app's APDU state machine: pure bytes in, (data, status word) out."""

    def __init__(self, mnemonic: str, version: tuple[int, int, int] = DEFAULT_VERSION) -> None:
        self._root = hd.master_key(hd.mnemonic_to_seed(mnemonic))
        self.version = version
        self.mode = "approve"
        self.display_log: list[dict[str, Any]] = []
        self._path: tuple[int, ...] | None = None
        self._buffer = bytearray()

    def key_at(self, path: tuple[int, ...]) -> bytes:
        """The private key the device holds at ``path``."""
        return self._root.derive(path).private_key

    def handle(self, command: bytes) -> tuple[bytes, int]:
        """Answer one APDU as the Stacks app would (docs/stacks.md §6.2–§6.9)."""
        if len(command) < 5 or command[4] != len(command) - 5:
            return b"", apdu.SW_WRONG_LENGTH
        cla, ins, p1, p2 = command[:4]
        data = bytes(command[5:])
        if self.mode == "other_app" or cla != apdu.CLA:
            return b"", apdu.SW_CLA_NOT_SUPPORTED  # another app answers to another CLA
        if ins == apdu.INS_GET_VERSION:
            return self._version(), apdu.SW_OK
        if self.mode == "locked":
            # docs/stacks.md §6.5: PIN not validated → 0x6986
            return b"", apdu.SW_COMMAND_NOT_ALLOWED
        if ins == apdu.INS_GET_ADDR:
            return self._get_address(p1, p2, data)
        if ins == apdu.INS_SIGN:
            return self._sign(p1, p2, data)
        return b"", apdu.SW_INS_NOT_SUPPORTED

    def _version(self) -> bytes:
        major, minor, patch = self.version
        locked = 1 if self.mode == "locked" else 0
        return bytes([0, major, minor, patch, locked]) + struct.pack(">I", TARGET_NANO_S_PLUS)

    def _get_address(self, p1: int, p2: int, data: bytes) -> tuple[bytes, int]:
        if p2 not in (22, 26) or p1 > 1:
            return b"", apdu.SW_DATA_INVALID
        path = self._checked_path(data)
        if path is None:
            return b"", apdu.SW_DATA_INVALID
        public_key, address = ledger_screens.account(self.key_at(path), p2)
        if p1 == 1:
            record = {"kind": "address", "address": address, "path": ledger_screens.path_text(path)}
            if not self._user_approves(record):
                return b"", apdu.SW_COMMAND_NOT_ALLOWED
        return public_key + address.encode("ascii"), apdu.SW_OK

    def _sign(self, p1: int, p2: int, data: bytes) -> tuple[bytes, int]:
        if p2 != 0 or p1 not in (apdu.P1_INIT, apdu.P1_ADD, apdu.P1_LAST):
            return b"", apdu.SW_INVALID_P1P2
        if p1 == apdu.P1_INIT:
            self._path, self._buffer = self._checked_path(data), bytearray()
            return b"", apdu.SW_OK if self._path is not None else apdu.SW_DATA_INVALID
        if self._path is None:
            return b"", apdu.SW_TX_NOT_INITIALIZED
        if len(self._buffer) + len(data) > MAX_PAYLOAD:
            self._path = None
            return b"", apdu.SW_OUTPUT_BUFFER_TOO_SMALL
        self._buffer += data
        if p1 == apdu.P1_ADD:
            return b"", apdu.SW_OK
        path, payload = self._path, bytes(self._buffer)
        self._path, self._buffer = None, bytearray()
        return self._review_and_sign(path, payload)

    def _review_and_sign(self, path: tuple[int, ...], payload: bytes) -> tuple[bytes, int]:
        key = self.key_at(path)
        try:
            review = ledger_screens.review(payload, key)
        except ledger_screens.Refusal as refusal:
            return str(refusal).encode("ascii", "replace"), apdu.SW_DATA_INVALID
        if not self._user_approves(review.record):
            return b"", apdu.SW_COMMAND_NOT_ALLOWED
        if self.mode == "wrong_key":  # a valid signature, but by the next account's key
            key = self.key_at((*path[:4], path[4] + 1))
        reply = ledger_screens.signature_reply(key, review)
        if self.mode == "corrupt_signature":
            reply = reply[:63] + bytes([reply[63] ^ 0x01]) + reply[64:]  # last byte of r
        return reply, apdu.SW_OK

    def _user_approves(self, record: dict[str, Any]) -> bool:
        approved = self.mode != "reject"
        self.display_log.append({**record, "outcome": "approved" if approved else "rejected"})
        return approved

    def _checked_path(self, data: bytes) -> tuple[int, ...] | None:
        # docs/stacks.md §6.3: five levels under 44'/5757', 5757' or 44'/1', nothing else.
        if len(data) != 20:
            return None
        path = apdu.parse_path(data)
        h = 0x80000000
        if path[:2] in ((44 | h, 5757 | h), (44 | h, 1 | h)) or path[0] == 5757 | h:
            return path
        return None


class LedgerEmulator:
    """The device on a loopback TCP port.

    :param mnemonic: the BIP39 mnemonic the device was set up with
    :param port: TCP port on 127.0.0.1 (0 picks a free one; see :attr:`port`)
    """

    def __init__(
        self, mnemonic: str, port: int = 0, version: tuple[int, int, int] = DEFAULT_VERSION
    ) -> None:
        self.state = DeviceState(mnemonic, version)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = socket.create_server(("127.0.0.1", port))
        self.port: int = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="ledger-emulator", daemon=True)
        self._stopping = False
        self._connections: set[socket.socket] = set()

    @property
    def mode(self) -> str:
        """How the emulated user and device behave (one of :data:`MODES`)."""
        return self.state.mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {value!r}")
        with self._lock:
            self.state.mode = value
        if value not in HOLDING:
            self._release.set()

    @property
    def display_log(self) -> list[dict[str, Any]]:
        """What the device screen showed, one record per review, oldest first."""
        with self._lock:
            return list(self.state.display_log)

    def clear_display_log(self) -> None:
        """Forget the screens shown so far."""
        with self._lock:
            self.state.display_log.clear()

    def address(self, account: int = 0, version: int = 26) -> str:
        """The address the device gives for ``m/44'/5757'/0'/0/account``."""
        path = (44 | 0x80000000, 5757 | 0x80000000, 0x80000000, 0, account)
        return ledger_screens.account(self.state.key_at(path), version)[1]

    def start(self) -> LedgerEmulator:
        """Start answering on :attr:`port`; returns ``self``."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, close the port and every open connection."""
        self._stopping = True
        self._release.set()
        with self._lock:
            sockets = [self._server, *self._connections]
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept/recv
            sock.close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __enter__(self) -> LedgerEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        # One thread per connection, as several host processes may open the device in
        # turn (the app and the CLI); APDUs are still answered one at a time (``_lock``).
        while not self._stopping:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=self._serve_and_close, args=(conn,), daemon=True).start()

    def _serve_and_close(self, conn: socket.socket) -> None:
        try:
            self._serve_connection(conn)
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    def _serve_connection(self, conn: socket.socket) -> None:
        while not self._stopping:
            header = _recv_exact(conn, 4)
            if header is None:
                return
            command = _recv_exact(conn, struct.unpack(">I", header)[0])
            if command is None:
                return
            data, sw = self._answer(command)
            if self._stopping:
                return
            try:
                conn.sendall(struct.pack(">I", len(data)) + data + struct.pack(">H", sw))
            except OSError:
                return

    def _answer(self, command: bytes) -> tuple[bytes, int]:
        held = self.mode == "unresponsive" and command[1:2] != bytes([apdu.INS_GET_VERSION])
        last_part = command[1:3] == bytes([apdu.INS_SIGN, apdu.P1_LAST])
        if held or (self.mode == "awaiting_button" and last_part):
            self._release.clear()
            self._release.wait()  # like a device waiting for a button that is never pressed
        with self._lock:
            return self.state.handle(command)


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        try:
            chunk = conn.recv(size - len(chunks))
        except OSError:
            return None
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)
