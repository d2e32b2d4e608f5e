"""Transaction post-conditions: what a principal may send, encoded as SIP-005 and SIP-040 say.

A post-condition limits what one principal *sends* (never who receives) of STX, a fungible
token or one non-fungible token (docs/stacks.md §3.3); epoch 4.0 adds staking (an STX amount)
and pox (a PoX operation) conditions, decoded and shown too. Principals are text: ``origin``
(the transaction's origin account, principal type 0x01), an address, or a contract id.
Assets are ``ADDRESS.contract::asset-name``. Conditions are named: ``eq``, ``gt``, ``gte``,
``lt``, ``lte`` for amounts; ``sent``, ``not-sent`` and SIP-040's ``maybe-sent`` for NFTs;
``will-not-perform``, ``may-perform`` and ``will-perform`` for pox.
"""

from __future__ import annotations

from dataclasses import dataclass

from arbiter_app.stacks import c32, clarity, clarity_repr
from arbiter_app.stacks.clarity import ClarityValue, InvalidValue
from arbiter_app.stacks.clarity_wire import Reader, read_name, read_principal_parts, read_value

# docs/stacks.md §1.4: names in the transaction codec are 1..40 bytes (CONTRACT_MAX_NAME_LENGTH).
TX_CONTRACT_NAME_MAX = 40
U64_MAX = 2**64 - 1
ORIGIN = "origin"

#: Fungible (and STX) condition codes, docs/stacks.md §3.3.
AMOUNT_CODES = {"eq": 0x01, "gt": 0x02, "gte": 0x03, "lt": 0x04, "lte": 0x05}
#: Non-fungible codes; 0x12 ``maybe-sent`` is SIP-040 (epoch 3.4).
NFT_CODES = {"sent": 0x10, "not-sent": 0x11, "maybe-sent": 0x12}
#: Pox codes (epoch 4.0), named as stacks.js names them.
POX_CODES = {"will-not-perform": 0x30, "may-perform": 0x31, "will-perform": 0x32}
_AMOUNT_NAMES = {v: k for k, v in AMOUNT_CODES.items()}
_POX_NAMES = {v: k for k, v in POX_CODES.items()}
_NFT_NAMES = {v: k for k, v in NFT_CODES.items()}
#: How each condition reads on a review screen.
WORDS = {
    "eq": "exactly",
    "gt": "more than",
    "gte": "at least",
    "lt": "less than",
    "lte": "at most",
    "sent": "sends",
    "not-sent": "does not send",
    "maybe-sent": "may send",
    "will-not-perform": "will not perform",
    "may-perform": "may perform",
    "will-perform": "will perform",
}


def _parse_principal(text: str) -> None:
    if text != ORIGIN:
        value = clarity.principal(text)
        if isinstance(value, clarity.ContractPrincipal) and len(value.name) > TX_CONTRACT_NAME_MAX:
            raise InvalidValue(f"contract name {value.name!r} is longer than 40 bytes")


def _parse_asset(text: str) -> tuple[clarity.ContractPrincipal, str]:
    contract, sep, name = text.partition("::")
    value = clarity.principal(contract)
    is_contract = isinstance(value, clarity.ContractPrincipal)
    if not sep or not is_contract or not clarity.is_clarity_name(name):
        raise InvalidValue(f"{text!r} is not an asset id (ADDRESS.contract::asset-name)")
    assert isinstance(value, clarity.ContractPrincipal)
    if len(value.name) > TX_CONTRACT_NAME_MAX:
        raise InvalidValue(f"contract name {value.name!r} is longer than 40 bytes")
    return value, name


def _check_amount(amount: int) -> None:
    if type(amount) is not int or not 0 <= amount <= U64_MAX:
        raise InvalidValue(f"a post-condition amount is a u64, not {amount!r}")


def _check_code(condition: str, codes: dict[str, int]) -> None:
    if condition not in codes:
        raise InvalidValue(f"{condition!r} is not one of {sorted(codes)}")


@dataclass(frozen=True)
class _MicroStxCondition:
    """The shape STX and staking conditions share: a principal, an amount code, µSTX."""

    principal: str
    condition: str
    amount: int

    def __post_init__(self) -> None:
        _parse_principal(self.principal)
        _check_code(self.condition, AMOUNT_CODES)
        _check_amount(self.amount)


@dataclass(frozen=True)
class StxPostCondition(_MicroStxCondition):
    """``principal`` sends ``condition`` ``amount`` µSTX (transfers plus burns)."""


@dataclass(frozen=True)
class FungiblePostCondition:
    """``principal`` sends ``condition`` ``amount`` base units of fungible ``asset``."""

    principal: str
    asset: str
    condition: str
    amount: int

    def __post_init__(self) -> None:
        _parse_principal(self.principal)
        _parse_asset(self.asset)
        _check_code(self.condition, AMOUNT_CODES)
        _check_amount(self.amount)


@dataclass(frozen=True)
class NonFungiblePostCondition:
    """``principal`` sends / does not send / may send the NFT ``asset_id`` of ``asset``."""

    principal: str
    asset: str
    asset_id: ClarityValue
    condition: str

    def __post_init__(self) -> None:
        _parse_principal(self.principal)
        _parse_asset(self.asset)
        _check_code(self.condition, NFT_CODES)


@dataclass(frozen=True)
class StakingPostCondition(_MicroStxCondition):
    """``principal`` stakes ``condition`` ``amount`` µSTX (epoch 4.0; decoded, never built)."""


@dataclass(frozen=True)
class PoxPostCondition:
    """``principal`` will not / may / will perform a PoX operation (epoch 4.0)."""

    principal: str
    condition: str

    def __post_init__(self) -> None:
        _parse_principal(self.principal)
        _check_code(self.condition, POX_CODES)


PostCondition = (
    StxPostCondition
    | FungiblePostCondition
    | NonFungiblePostCondition
    | StakingPostCondition
    | PoxPostCondition
)


def _write_principal(text: str, out: bytearray) -> None:
    if text == ORIGIN:
        out.append(0x01)
        return
    value = clarity.principal(text)
    out.append(0x03 if isinstance(value, clarity.ContractPrincipal) else 0x02)
    out.append(value.version)
    out += value.hash160
    if isinstance(value, clarity.ContractPrincipal):
        out.append(len(value.name))
        out += value.name.encode()


def _write_asset(text: str, out: bytearray) -> None:
    contract, name = _parse_asset(text)
    out.append(contract.version)
    out += contract.hash160
    out += bytes([len(contract.name)]) + contract.name.encode()
    out += bytes([len(name)]) + name.encode()


def encode(pc: PostCondition) -> bytes:
    """The wire form of one post-condition (docs/stacks.md §3.3)."""
    out = bytearray()
    if isinstance(pc, (StxPostCondition, StakingPostCondition)):
        out.append(0x00 if isinstance(pc, StxPostCondition) else 0x03)
        _write_principal(pc.principal, out)
        out.append(AMOUNT_CODES[pc.condition])
        out += pc.amount.to_bytes(8, "big")
    elif isinstance(pc, PoxPostCondition):
        out.append(0x04)
        _write_principal(pc.principal, out)
        out.append(POX_CODES[pc.condition])
    elif isinstance(pc, FungiblePostCondition):
        out.append(0x01)
        _write_principal(pc.principal, out)
        _write_asset(pc.asset, out)
        out.append(AMOUNT_CODES[pc.condition])
        out += pc.amount.to_bytes(8, "big")
    else:
        out.append(0x02)
        _write_principal(pc.principal, out)
        _write_asset(pc.asset, out)
        out += clarity.serialize(pc.asset_id)
        out.append(NFT_CODES[pc.condition])
    return bytes(out)


def _read_principal(r: Reader) -> str:
    at = r.pos
    kind = r.byte("a post-condition principal type")
    if kind == 0x01:
        return ORIGIN
    if kind not in (0x02, 0x03):
        raise r.fail(f"principal type 0x01-0x03 (origin, standard, contract), not 0x{kind:02x}", at)
    version, hash160, name = read_principal_parts(r, kind == 0x03, TX_CONTRACT_NAME_MAX)
    address = c32.encode_address(version, hash160, any_version=True)
    return f"{address}.{name}" if name else address


def _read_asset(r: Reader) -> str:
    version, hash160, contract = read_principal_parts(r, True, TX_CONTRACT_NAME_MAX)
    name = read_name(r, "asset name", clarity.MAX_NAME)
    return f"{c32.encode_address(version, hash160, any_version=True)}.{contract}::{name}"


def _read_code(r: Reader, names: dict[int, str]) -> str:
    at = r.pos
    code = r.byte("a condition code")
    if code not in names:
        known = ", ".join(f"0x{c:02x}" for c in names)
        raise r.fail(f"a condition code ({known}), not 0x{code:02x}", at)
    return names[code]


def decode(r: Reader) -> PostCondition:
    """Read one post-condition at the reader.

    :raises ClarityDecodeError: naming the offset
    """
    at = r.pos
    kind = r.byte("a post-condition asset type")
    if kind > 0x04:
        expected = "post-condition type 0x00-0x04 (STX, fungible, NFT, staking, pox)"
        raise r.fail(f"{expected}, not 0x{kind:02x}", at)
    principal = _read_principal(r)
    if kind in (0x00, 0x03):
        condition = _read_code(r, _AMOUNT_NAMES)
        amount = r.uint(8, "an 8-byte amount")
        if kind == 0x03:
            return StakingPostCondition(principal, condition, amount)
        return StxPostCondition(principal, condition, amount)
    if kind == 0x04:
        return PoxPostCondition(principal, _read_code(r, _POX_NAMES))
    asset = _read_asset(r)
    if kind == 0x01:
        condition = _read_code(r, _AMOUNT_NAMES)
        return FungiblePostCondition(principal, asset, condition, r.uint(8, "an 8-byte amount"))
    asset_id = read_value(r)
    return NonFungiblePostCondition(principal, asset, asset_id, _read_code(r, _NFT_NAMES))


def describe(pc: PostCondition) -> dict[str, object]:
    """A post-condition as review JSON: kind, principal, condition, amount/asset and a sentence."""
    who = "the sender (origin)" if pc.principal == ORIGIN else pc.principal
    if isinstance(pc, NonFungiblePostCondition):
        item = clarity_repr.repr_value(pc.asset_id)
        return {
            "type": "non_fungible",
            "principal": pc.principal,
            "asset": pc.asset,
            "asset_id": {"repr": item, "hex": clarity.to_hex(pc.asset_id)},
            "condition": pc.condition,
            "text": f"{who} {WORDS[pc.condition]} {pc.asset} {item}",
        }
    if isinstance(pc, PoxPostCondition):
        return {
            "type": "pox",
            "principal": pc.principal,
            "condition": pc.condition,
            "text": f"{who} {WORDS[pc.condition]} a PoX operation",
        }
    if isinstance(pc, (StxPostCondition, StakingPostCondition)):
        stx = f"{pc.amount // 10**6}.{pc.amount % 10**6:06d}"
        verb = "sends" if isinstance(pc, StxPostCondition) else "stakes"
        return {
            "type": "stx" if isinstance(pc, StxPostCondition) else "staking",
            "principal": pc.principal,
            "condition": pc.condition,
            "amount": pc.amount,
            "amount_stx": stx,
            "text": f"{who} {verb} {WORDS[pc.condition]} {pc.amount} µSTX ({stx} STX)",
        }
    return {
        "type": "fungible",
        "principal": pc.principal,
        "asset": pc.asset,
        "condition": pc.condition,
        "amount": pc.amount,
        "text": f"{who} sends {WORDS[pc.condition]} {pc.amount} of {pc.asset}",
    }
