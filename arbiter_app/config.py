"""Settings, network profiles and the app's per-OS directories.

A :class:`Settings` value is immutable; changing a setting makes a new value (and the
services log the change). Settings are stored as JSON in the platform's config directory and
decoded by msgspec with every type checked: a wrong type, a bad shape or an unknown key is a
usage error naming the key, so a typo never silently falls back to a default and a string
is never read as a list of characters.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import platformdirs

from arbiter_app import private
from arbiter_app.errors import UsageError

APP_NAME = "arbiter-app"


@dataclass(frozen=True)
class Network:
    """The constants that bind a transaction and an address to one Stacks network.

    :param name: ``mainnet``, ``testnet`` or ``devnet``
    :param chain_id: the transaction's chain id (mainnet 0x00000001, testnet 0x80000000)
    :param tx_version: the transaction version byte (mainnet 0x00, testnet 0x80)
    :param single_sig_version: c32 address version of single-sig addresses (22 'P', 26 'T')
    :param multi_sig_version: c32 address version of multi-sig addresses (20 'M', 21 'N')
    :param mainnet: whether real funds move on this network
    """

    name: str
    chain_id: int
    tx_version: int
    single_sig_version: int
    multi_sig_version: int
    mainnet: bool


MAINNET = Network("mainnet", 0x00000001, 0x00, 22, 20, mainnet=True)
TESTNET = Network("testnet", 0x80000000, 0x80, 26, 21, mainnet=False)
DEVNET = Network("devnet", 0x80000000, 0x80, 26, 21, mainnet=False)
NETWORKS = {n.name: n for n in (MAINNET, TESTNET, DEVNET)}

DEFAULT_STACKS_API = {
    "mainnet": "https://api.hiro.so",
    "testnet": "https://api.testnet.hiro.so",
    "devnet": "http://127.0.0.1:3999",
}


# Shapes checked when settings are decoded (msgspec turns a mismatch into a message naming
# the key; EXPECTED says what the key takes in words instead of a regex).
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/]+(/\S*)?$")]
ContractId = Annotated[str, msgspec.Meta(
    pattern=r"^S[0-9A-HJKMNP-TV-Z]{38,40}\.[a-zA-Z][a-zA-Z0-9_-]{0,127}$")]
StacksAddress = Annotated[str, msgspec.Meta(pattern=r"^S[0-9A-HJKMNP-TV-Z]{38,40}$")]
DeviceAddress = Annotated[str, msgspec.Meta(pattern=r"^(hid|tcp:[^\s:]+:[0-9]{1,5})$")]
EXPECTED = {
    "network": "'mainnet', 'testnet' or 'devnet'",
    "signer": "'ledger' or 'software'",
    "stacks_api": "an http:// or https:// URL",
    "ipfs_gateways": "http:// or https:// URLs",
    "pinning_service": "an http:// or https:// URL",
    "escrow_contract": "a contract id ADDRESS.contract-name",
    "ledger": "'hid' or 'tcp:HOST:PORT'",
}
Positive = Annotated[int, msgspec.Meta(gt=0)]


class IpfsLimits(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Limits on what a verified IPFS fetch may spend (bytes, blocks, depth, links)."""

    max_total_bytes: Positive = 256 * 1024 * 1024
    max_blocks: Positive = 100_000
    max_block_size: Positive = 2 * 1024 * 1024
    max_depth: Positive = 32
    max_links: Positive = 8192


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything the user can configure (the README lists each key, type and default).

    :param network: name of the network profile (a key of :data:`NETWORKS`)
    :param stacks_api: base URL of the Stacks node RPC and extended API
    :param api_key: optional ``x-api-key`` for the Stacks API
    :param escrow_contract: contract id of ``escrow-secure`` (``ADDR.name``)
    :param ipfs_rpc: Kubo RPC multiaddr or URL, or ``None`` for no local node
    :param ipfs_gateways: trustless gateways tried in order
    :param ipfs_limits: limits on verified fetches
    :param pinning_service: API root of an IPFS Pinning Service API endpoint that also pins
        every published document, or ``None``
    :param pinning_token: that service's access token (sent as a bearer token)
    :param signer: ``ledger`` or ``software``
    :param ledger: device address: ``hid`` or ``tcp:HOST:PORT``
    :param account: the N of the derivation path ``m/44'/5757'/0'/0/N``
    :param keystore: path of the software key store (devnet/testnet only)
    :param sla_hours: hours an arbiter has to rule, counted from the dispute's block time
    :param min_rationale_chars: shortest rationale accepted at step 5
    :param fee_confirm_above: µSTX above which the final review asks to confirm the fee
    :param sync_workers: requests a sync keeps under way at once for its cases (Hiro's public
        API limits requests per minute by IP, however many run at once, and a 429 is waited
        out as its Retry-After says; more at once hides a far-away API's latency)
    :param sync_every_minutes: the window syncs in the background this often (0: only when
        asked), raising alerts for what it brings
    :param other_addresses: the arbiter's other Stacks addresses, searched with the signer's
        for past dealings with a case's parties
    :param data_dir: where the case store, the cache and logs live
    """

    network: Literal["mainnet", "testnet", "devnet"] = "devnet"
    stacks_api: Url = DEFAULT_STACKS_API["devnet"]
    api_key: str | None = None
    escrow_contract: ContractId = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
    ipfs_rpc: str | None = None
    ipfs_gateways: tuple[Url, ...] = ()
    ipfs_limits: IpfsLimits = msgspec.field(default_factory=IpfsLimits)
    pinning_service: Url | None = None
    pinning_token: str | None = None
    signer: Literal["ledger", "software"] = "ledger"
    ledger: DeviceAddress = "hid"
    account: Annotated[int, msgspec.Meta(ge=0, lt=2**31)] = 0
    keystore: str | None = None
    sla_hours: Positive = 72
    min_rationale_chars: Annotated[int, msgspec.Meta(ge=0)] = 300
    fee_confirm_above: Annotated[int, msgspec.Meta(ge=0)] = 10_000
    sync_workers: Annotated[int, msgspec.Meta(ge=1, le=8)] = 8
    sync_every_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)] = 10
    other_addresses: tuple[StacksAddress, ...] = ()
    data_dir: str = msgspec.field(default_factory=lambda: str(default_data_dir()))

    @property
    def chain(self) -> Network:
        """The network profile named by :attr:`network`."""
        return NETWORKS[self.network]

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied and checked.

        :raises UsageError: naming the setting and what it must be
        """
        return from_dict({**to_dict(self), **changes})


def default_data_dir() -> Path:
    """The per-user data directory (``ARBITER_APP_DATA`` overrides it)."""
    override = os.environ.get("ARBITER_APP_DATA")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    """The settings file (``ARBITER_APP_CONFIG`` overrides it)."""
    override = os.environ.get("ARBITER_APP_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.json"


def default_log_path() -> Path:
    """The app's log file in the per-user log directory (``ARBITER_APP_LOG_DIR`` moves it)."""
    override = os.environ.get("ARBITER_APP_LOG_DIR")
    folder = Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME))
    return folder / "arbiter-app.log"


def from_dict(data: Any, where: str = "settings") -> Settings:
    """Decode settings from their JSON form, every value's type and shape checked.

    :param where: what the settings came from, for the message (e.g. the file's path)
    :raises UsageError: naming the key and what was expected, or the unknown key
    """
    try:
        settings = msgspec.convert(data, Settings, strict=True)
    except msgspec.ValidationError as e:
        raise UsageError(problem_text(str(e), where)) from e
    if settings.signer == "software" and settings.chain.mainnet:
        raise UsageError(f"{where}: signer 'software' is for devnet and testnet only; "
                         "mainnet rulings are signed on a Ledger")
    return settings


def problem_text(message: str, where: str) -> str:
    """msgspec's ``Expected `int`, got `str` - at `$.sla_hours``` in the app's words."""
    text, _, at = message.partition(" - at `$")
    key = at.strip("`").lstrip(".")
    unknown = text.removeprefix("Object contains unknown field ")
    if unknown != text:
        inside = f" in '{key}'" if key else ""
        return f"{where}: unknown setting {unknown.replace('`', chr(39))}{inside}"
    text = text[:1].lower() + text[1:]
    if "matching regex" in text or text.startswith("invalid enum value"):
        text = f"expected {EXPECTED[key.split('[')[0]]}"
    return f"{where}: setting '{key}': {text}" if key else f"{where}: {text}"


def to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON form of ``settings``."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    return data


SECRET_KEYS = frozenset({"api_key", "pinning_token"})
MASK = "(set)"


def flat(settings: Settings) -> dict[str, Any]:
    """Every setting by key, nested limits as ``ipfs_limits.max_blocks``."""
    out: dict[str, Any] = {}
    for key, value in to_dict(settings).items():
        if isinstance(value, dict):
            out.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            out[key] = value
    return out


def masked(key: str, value: Any) -> Any:
    """``value`` as it may be shown or logged: secrets only say whether they are set."""
    if key in SECRET_KEYS and value is not None:
        return MASK
    return value


def load(path: Path | None = None) -> Settings:
    """Read settings from ``path`` (default: the config file); defaults when it is absent.

    :raises UsageError: if the file is not valid settings JSON
    """
    path = path or default_config_path()
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read settings from {path}: {e}") from e
    if not isinstance(data, dict):
        raise UsageError(f"settings file {path} must hold a JSON object")
    return from_dict(data, str(path))


def save(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically (temp file, fsync, rename)."""
    path = path or default_config_path()
    private.make_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    with os.fdopen(private.create_file(tmp), "w", encoding="utf-8") as f:
        json.dump(to_dict(settings), f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
