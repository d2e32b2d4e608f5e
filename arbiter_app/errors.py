"""The one exception tree of Arbiter Desk, and the exit status of each branch.

Every failure the app can explain in a sentence is an :class:`ArbiterError` whose message
already names the problem in plain words; anything else is a bug. Foreign exceptions
(httpx, sqlite3, ledgerblue) are translated at one boundary per
dependency, with the original kept as ``__cause__``::

    ArbiterError                  exit 1 unless noted
    ├── UsageError                bad command-line usage or setting (exit 2)
    ├── InputError                malformed or unacceptable input
    │   ├── DecodeError           a codec refused bytes or text (names the offset)
    │   └── LimitExceeded         a size/count/depth limit was hit before spending it
    ├── VerificationError         a hash, signature, proof or CID does not match
    ├── NetworkError              a remote service failed (names the URL)
    │   ├── ApiError              the service answered with an error status or body
    │   └── ResponseError         the service answered something malformed or lying
    ├── DeviceError               the hardware signer failed
    │   ├── DeviceNotFound        no device at the configured address
    │   ├── DeviceLocked          the device is locked (PIN screen)
    │   ├── DeviceRejected        the user said no on the device
    │   ├── AppNotOpen            the Stacks app is not the open app
    │   ├── AppVersionTooOld      the Stacks app is older than we support
    │   ├── DeviceTimeout         the device did not answer in time
    │   └── DeviceReplyError      the device answered something we cannot use
    ├── KeystoreError             the software key store cannot be used
    ├── StoreError                the case store cannot be read or written
    └── PolicyError               an action the rules refuse (wrong arbiter, step order,
                                  network mismatch, disagreeing chain state, ...)
    Cancelled                     the user cancelled; not a failure, shown as nothing

Modules may subclass these for finer tests, but never add a new root.
"""

from __future__ import annotations


class ArbiterError(Exception):
    """A failure the app can explain; ``str(error)`` is the message for the user."""

    exit_code = 1


class UsageError(ArbiterError):
    """The command line or a setting was used wrongly."""

    exit_code = 2


class InputError(ArbiterError):
    """Input (a file, a hex string, a document, an API value) is malformed or unacceptable."""


class DecodeError(InputError):
    """A codec refused its input at a known position.

    :param what: what was being decoded, e.g. ``"transaction"``
    :param offset: byte (or character) offset of the first problem
    :param expected: what was expected there, in plain words
    """

    def __init__(self, what: str, offset: int, expected: str) -> None:
        self.what = what
        self.offset = offset
        self.expected = expected
        super().__init__(f"cannot decode {what}: at byte {offset}, expected {expected}")


class LimitExceeded(InputError):
    """Input would exceed a configured limit; raised before the resources are spent.

    :param limit: the limit's name, e.g. ``"block size"``
    :param value: the value that was asked for
    :param maximum: the largest value allowed
    """

    def __init__(self, limit: str, value: int, maximum: int) -> None:
        self.limit = limit
        self.value = value
        self.maximum = maximum
        super().__init__(f"{limit} of {value} exceeds the limit of {maximum}")


class VerificationError(ArbiterError):
    """Something does not match what it claims to be (hash, signature, proof, CID)."""


class NetworkError(ArbiterError):
    """A remote service could not be reached or failed.

    :param message: what went wrong
    :param url: the URL that was being used, when known
    """

    def __init__(self, message: str, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)


class ApiError(NetworkError):
    """The service answered with an error status or error body."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        self.status = status
        super().__init__(message, url)


class ResponseError(NetworkError):
    """The service answered, but not with what the app expected (malformed or lying)."""


class DeviceError(ArbiterError):
    """The hardware signer failed."""


class DeviceNotFound(DeviceError):
    """No device answered at the configured address."""


class DeviceLocked(DeviceError):
    """The device is locked; the user must unlock it with the PIN."""


class DeviceRejected(DeviceError):
    """The user rejected the request on the device."""


class AppNotOpen(DeviceError):
    """The Stacks app is not open on the device."""


class AppVersionTooOld(DeviceError):
    """The Stacks app on the device is older than the app supports."""


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""


class DeviceReplyError(DeviceError):
    """The device answered something the app cannot use (bad length, bad signature)."""


class KeystoreError(ArbiterError):
    """The software key store cannot be used (wrong password, damaged file, wrong network)."""


class StoreError(ArbiterError):
    """The case store cannot be opened, read or written."""


class PolicyError(ArbiterError):
    """The action is refused by the app's rules."""


class Cancelled(Exception):
    """The user cancelled the operation. Not a failure: presenters show nothing."""
