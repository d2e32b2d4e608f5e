"""The one boundary between ledgerblue and the app: open a device, exchange APDUs on the
one device thread, and translate every ledgerblue and socket failure into our errors.

The device address is ``hid`` (USB, ``ledgerblue.comm.getDongle``) or ``tcp:HOST:PORT``
(an emulator speaking the speculos framing, ``ledgerblue.commTCP.getDongle``). All device
I/O runs on a single dedicated worker thread and asserts it is there, as Electrum's
``run_in_hwd_thread`` does: a device handles one exchange at a time, and a
GUI thread must never block on a button press. A request the user gives up on (cancel,
timeout) is abandoned: the device is closed, so a late answer lands on a connection nobody
reads, and opened again on a fresh thread (:meth:`LedgerTransport.abandon`).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from arbiter_app.errors import DeviceNotFound, DeviceTimeout, UsageError

T = TypeVar("T")
THREAD_NAME = "ledger-io"
DEFAULT_TIMEOUT = 120.0  # seconds: long enough to read a transaction on the device screen


def parse_address(address: str) -> tuple[str, int] | None:
    """``None`` for USB HID, or ``(host, port)`` for ``tcp:HOST:PORT``.

    :raises UsageError: the address is neither form
    """
    if address == "hid":
        return None
    host, _, port = address.removeprefix("tcp:").rpartition(":")
    if not address.startswith("tcp:") or not host or not port.isdigit():
        raise UsageError(f"the Ledger address must be 'hid' or 'tcp:HOST:PORT', not {address!r}")
    return host, int(port)


class LedgerTransport:
    """An open device plus its dedicated I/O thread.

    :param address: ``hid`` or ``tcp:HOST:PORT``
    :param timeout: seconds to wait for any one reply (the user may be reading the screen)
    :raises DeviceNotFound: nothing answers at ``address``
    """

    def __init__(self, address: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.address = address
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._thread: threading.Thread | None = None
        self._dongle: Any = None
        try:
            self._dongle = self.run(self._open)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the device thread and return its result (or raise its error)."""
        if threading.current_thread() is self._thread:
            return fn()
        return self.submit(fn).result()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Start ``fn`` on the device thread; the caller waits on the future as it likes."""
        return self._executor.submit(self._on_device_thread, fn)

    def abandon(self) -> None:
        """Give up the request in flight: close the device and open it again.

        The abandoned request's thread is woken (a TCP socket is shut down; a USB read ends
        at its own timeout) and its answer, if one still comes, is read by nobody: a
        signature approved after the user cancelled is discarded, never taken for the
        answer to a later command. Device I/O continues on a fresh thread.

        :raises DeviceNotFound: the device cannot be opened again
        """
        executor, dongle = self._executor, self._dongle
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._thread, self._dongle = None, None
        sock = getattr(dongle, "socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if dongle is not None:
            executor.submit(_close, dongle)  # once the abandoned request has ended
        executor.shutdown(wait=False)
        self._dongle = self.run(self._open)

    def assert_on_device_thread(self) -> None:
        """Fail loudly if device I/O is attempted from any other thread."""
        assert threading.current_thread() is self._thread, "Ledger I/O off the device thread"

    def exchange(self, command: bytes) -> tuple[bytes, int]:
        """Send one APDU; return the reply data and its status word (never raises on a SW).

        :raises DeviceTimeout: no reply within :attr:`timeout`
        :raises DeviceNotFound: the device went away
        """
        self.assert_on_device_thread()
        from ledgerblue.commException import CommException

        dongle = self._dongle  # this request's device, even if it is abandoned meanwhile
        try:
            return bytes(dongle.exchange(bytearray(command), timeout=self.timeout)), 0x9000
        except CommException as e:
            if e.message.startswith("Timeout"):
                raise DeviceTimeout(f"the Ledger did not answer within {self.timeout:g} s") from e
            return bytes(e.data or b""), int(e.sw)
        except TimeoutError as e:  # socket.timeout on the TCP transport
            self._forget(dongle)
            raise DeviceTimeout(f"the Ledger did not answer within {self.timeout:g} s") from e
        except (OSError, struct.error, AttributeError) as e:
            self._forget(dongle)
            raise DeviceNotFound(f"the connection to the Ledger at {self.address} was lost") from e

    def close(self) -> None:
        """Close the device and stop the I/O thread."""
        if self._dongle is not None:
            self._executor.submit(self._on_device_thread, lambda: self._forget(self._dongle)
                                  ).result()
        self._executor.shutdown(wait=True)

    def _on_device_thread(self, fn: Callable[[], T]) -> T:
        self._thread = threading.current_thread()
        return fn()

    def _open(self) -> Any:
        from ledgerblue.commException import CommException

        target = parse_address(self.address)
        try:
            if target is None:
                from ledgerblue.comm import getDongle

                return getDongle()
            from ledgerblue.commTCP import getDongle as get_tcp_dongle

            _probe(*target, self.timeout)
            dongle = get_tcp_dongle(target[0], target[1])
            dongle.socket.settimeout(self.timeout)
            return dongle
        except CommException as e:
            where = "on USB" if target is None else f"at {self.address}"
            raise DeviceNotFound(f"no Ledger found {where}: connect and unlock it") from e
        except (OSError, ImportError) as e:
            raise DeviceNotFound(f"the Ledger at {self.address} cannot be opened: {e}") from e

    def _forget(self, dongle: Any) -> None:
        """Close ``dongle``; it stops being the open device if it still was."""
        if self._dongle is dongle:
            self._dongle = None
        if dongle is not None:
            _close(dongle)


def _close(dongle: Any) -> None:
    sock = getattr(dongle, "socket", None)  # the TCP dongle's, when it has one
    with contextlib.suppress(OSError, AttributeError):
        dongle.close()
    if sock is not None:
        sock.close()  # commTCP's close() skips this when shutdown() fails on a dead link


def _probe(host: str, port: int, timeout: float) -> None:
    """Connect once and close: ledgerblue's TCP dongle leaks its socket when the connect
    fails, so an absent emulator is detected here first.

    :raises DeviceNotFound: nothing listens at ``host:port``
    """
    try:
        socket.create_connection((host, port), timeout=min(timeout, 5.0)).close()
    except OSError as e:
        raise DeviceNotFound(
            f"no Ledger found at tcp:{host}:{port}: is the emulator running?"
        ) from e
