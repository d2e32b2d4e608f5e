"""Transaction payloads: contract call (built, decoded); token transfer, smart contract (decoded).

Wire forms from SIP-005 and stacks-core ``TransactionPayload`` (docs/stacks.md §3.4). Other payload
types (coinbase, tenure change, poison microblock) are miner-only and refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from arbiter_app.stacks import c32, clarity, clarity_repr
from arbiter_app.stacks.clarity import ClarityValue, InvalidValue
from arbiter_app.stacks.clarity_wire import Reader, read_name, read_principal_parts, read_value
from arbiter_app.stacks.postconditions import TX_CONTRACT_NAME_MAX, U64_MAX

MEMO_SIZE = 34
_MIN_ARG = 1
_MINER_ONLY = {
    0x03: "poison-microblock",
    0x04: "coinbase",
    0x05: "coinbase-to-alt-recipient",
    0x07: "tenure-change",
    0x08: "nakamoto-coinbase",
}


@dataclass(frozen=True)
class ContractCall:
    """A call of ``function_name`` on ``address.contract_name`` with ``args``."""

    address: str
    contract_name: str
    function_name: str
    args: tuple[ClarityValue, ...]

    def __post_init__(self) -> None:
        c32.decode_address(self.address, any_version=True)
        if not (
            0 < len(self.contract_name) <= TX_CONTRACT_NAME_MAX
            and clarity.CONTRACT_NAME.match(self.contract_name)
        ):
            raise InvalidValue(f"{self.contract_name!r} is not a contract name (1-40 bytes)")
        if not clarity.is_clarity_name(self.function_name):
            raise InvalidValue(f"{self.function_name!r} is not a Clarity function name")
        object.__setattr__(self, "args", tuple(self.args))
        for arg in self.args:
            if not isinstance(arg, clarity.ClarityValue):
                raise InvalidValue(f"a contract-call argument must be a Clarity value, not {arg!r}")

    @property
    def contract_id(self) -> str:
        """``ADDRESS.contract-name``."""
        return f"{self.address}.{self.contract_name}"


@dataclass(frozen=True)
class TokenTransfer:
    """An STX transfer of ``amount`` µSTX to ``recipient`` with a 34-byte ``memo``."""

    recipient: clarity.StandardPrincipal | clarity.ContractPrincipal
    amount: int
    memo: bytes


@dataclass(frozen=True)
class SmartContract:
    """A contract deployment; ``clarity_version`` is set for the versioned form (0x06)."""

    name: str
    code: str
    clarity_version: int | None


Payload = ContractCall | TokenTransfer | SmartContract


def encode(payload: Payload) -> bytes:
    """The wire form of a payload.

    :raises TypeError: for a payload kind this app never builds
    """
    if not isinstance(payload, ContractCall):
        if isinstance(payload, TokenTransfer):
            return (
                b"\x00"
                + clarity.serialize(payload.recipient)
                + payload.amount.to_bytes(8, "big")
                + payload.memo
            )
        head = b"\x01" if payload.clarity_version is None else bytes([6, payload.clarity_version])
        code = payload.code.encode()
        return (
            head
            + bytes([len(payload.name)])
            + payload.name.encode()
            + len(code).to_bytes(4, "big")
            + code
        )
    version, hash160 = c32.decode_address(payload.address, any_version=True)
    out = bytearray([0x02, version]) + hash160
    for name in (payload.contract_name, payload.function_name):
        out += bytes([len(name)]) + name.encode()
    out += len(payload.args).to_bytes(4, "big")
    for arg in payload.args:
        out += clarity.serialize(arg)
    return bytes(out)


def decode(r: Reader) -> Payload:
    """Read a payload at the reader.

    :raises ClarityDecodeError: naming the offset
    """
    at = r.pos
    kind = r.byte("a payload type")
    if kind == 0x02:
        version, hash160, contract = read_principal_parts(r, True, TX_CONTRACT_NAME_MAX)
        function = read_name(r, "function name", clarity.MAX_NAME)
        count_at = r.pos
        count = r.uint(4, "a 4-byte argument count")
        if count * _MIN_ARG > r.remaining():
            raise r.fail(f"room for {count} arguments, only {r.remaining()} bytes left", count_at)
        args = tuple(read_value(r) for _ in range(count))
        address = c32.encode_address(version, hash160, any_version=True)
        return ContractCall(address, contract, function, args)
    if kind == 0x00:
        return _read_transfer(r)
    if kind in (0x01, 0x06):
        return _read_contract(r, kind)
    if kind in _MINER_ONLY:
        raise r.fail(f"a user payload, not a miner-only {_MINER_ONLY[kind]} payload", at)
    raise r.fail(f"a payload type 0x00-0x08, not 0x{kind:02x}", at)


def _read_transfer(r: Reader) -> TokenTransfer:
    at = r.pos
    recipient = read_value(r)
    if not isinstance(recipient, (clarity.StandardPrincipal, clarity.ContractPrincipal)):
        raise r.fail("a principal as the transfer recipient", at)
    amount = r.uint(8, "an 8-byte amount")
    if amount > U64_MAX:  # pragma: no cover - 8 bytes cannot exceed it
        raise r.fail("a u64 amount", at)
    return TokenTransfer(recipient, amount, r.take(MEMO_SIZE, "a 34-byte memo"))


def _read_contract(r: Reader, kind: int) -> SmartContract:
    version = None
    if kind == 0x06:
        at = r.pos
        version = r.byte("a Clarity version byte")
        if version == 0:
            raise r.fail("a Clarity version of 1 or more", at)
    name = read_name(r, "contract name", TX_CONTRACT_NAME_MAX, clarity.CONTRACT_NAME)
    size_at = r.pos
    size = r.uint(4, "a 4-byte code length")
    if size > r.remaining():
        raise r.fail(f"{size} code bytes, only {r.remaining()} left", size_at)
    code_at = r.pos
    raw = r.take(size, "contract code")
    # SIP-005 StacksString: printable ASCII plus whitespace.
    bad = next((i for i, b in enumerate(raw) if b not in clarity.ASCII_ALLOWED), None)
    if bad is not None:
        raise r.fail("contract code in printable ASCII", code_at + bad)
    return SmartContract(name, raw.decode("ascii"), version)


def describe(payload: Payload) -> dict[str, object]:
    """A payload as review JSON; contract-call arguments as both repr and hex."""
    if isinstance(payload, ContractCall):
        return {
            "type": "contract_call",
            "contract_id": payload.contract_id,
            "function_name": payload.function_name,
            "args": [
                {"repr": clarity_repr.repr_value(a), "hex": clarity.to_hex(a)} for a in payload.args
            ],
        }
    if isinstance(payload, TokenTransfer):
        return {
            "type": "token_transfer",
            "recipient": str(payload.recipient),
            "amount": payload.amount,
            "memo": payload.memo.rstrip(b"\x00").hex(),
        }
    return {
        "type": "smart_contract",
        "contract_name": payload.name,
        "clarity_version": payload.clarity_version,
        "code_size": len(payload.code),
    }
