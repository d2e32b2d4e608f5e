"""Settings, network profiles and the app's per-OS directories.

A :class:`Settings` value is immutable; changing a setting makes a new value (and the
services log the change). Settings are stored as JSON in the platform's config directory;
unknown keys are refused so that a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

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


@dataclass(frozen=True)
class IpfsLimits:
    """Limits on what a verified IPFS fetch may spend (bytes, blocks, depth, links)."""

    max_total_bytes: int = 256 * 1024 * 1024
    max_blocks: int = 100_000
    max_block_size: int = 2 * 1024 * 1024
    max_depth: int = 32
    max_links: int = 8192


@dataclass(frozen=True)
class Settings:
    """Everything the user can configure.

    :param network: name of the network profile (a key of :data:`NETWORKS`)
    :param stacks_api: base URL of the Stacks node RPC and extended API
    :param api_key: optional ``x-api-key`` for the Stacks API
    :param escrow_contract: contract id of ``escrow-secure`` (``ADDR.name``)
    :param ipfs_rpc: Kubo RPC multiaddr or URL, or ``None`` for no local node
    :param ipfs_gateways: trustless gateways tried in order
    :param ipfs_limits: limits on verified fetches
    :param signer: ``ledger`` or ``software``
    :param ledger: device address: ``hid`` or ``tcp:HOST:PORT``
    :param account: the N of the derivation path ``m/44'/5757'/0'/0/N``
    :param keystore: path of the software key store (devnet/testnet only)
    :param sla_hours: hours an arbiter has to rule, counted from the dispute's block time
    :param min_rationale_chars: shortest rationale accepted at step 5
    :param data_dir: where the case store, the cache and logs live
    """

    network: str = "devnet"
    stacks_api: str = DEFAULT_STACKS_API["devnet"]
    api_key: str | None = None
    escrow_contract: str = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
    ipfs_rpc: str | None = None
    ipfs_gateways: tuple[str, ...] = ()
    ipfs_limits: IpfsLimits = field(default_factory=IpfsLimits)
    signer: str = "ledger"
    ledger: str = "hid"
    account: int = 0
    keystore: str | None = None
    sla_hours: int = 72
    min_rationale_chars: int = 300
    data_dir: str = field(default_factory=lambda: str(default_data_dir()))

    @property
    def chain(self) -> Network:
        """The network profile named by :attr:`network`."""
        return NETWORKS[self.network]

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied and checked."""
        return validate(dataclasses.replace(self, **changes))


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


def validate(settings: Settings) -> Settings:
    """Check the values that can be wrong; return ``settings`` unchanged.

    :raises UsageError: naming the setting and what it must be
    """
    if settings.network not in NETWORKS:
        raise UsageError(f"network must be one of {', '.join(NETWORKS)}, not {settings.network!r}")
    if settings.signer not in ("ledger", "software"):
        raise UsageError(f"signer must be 'ledger' or 'software', not {settings.signer!r}")
    if settings.ledger != "hid" and not settings.ledger.startswith("tcp:"):
        raise UsageError(f"ledger must be 'hid' or 'tcp:HOST:PORT', not {settings.ledger!r}")
    if not 0 <= settings.account < 2**31:
        raise UsageError(f"account must be between 0 and 2^31-1, not {settings.account}")
    if settings.sla_hours <= 0 or settings.min_rationale_chars < 0:
        raise UsageError("sla_hours must be positive and min_rationale_chars not negative")
    return settings


def from_dict(data: dict[str, Any]) -> Settings:
    """Build settings from their JSON form.

    :raises UsageError: on an unknown key or a value of the wrong kind
    """
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(f"unknown setting(s): {', '.join(unknown)}")
    values = dict(data)
    if "ipfs_gateways" in values:
        values["ipfs_gateways"] = tuple(values["ipfs_gateways"])
    if "ipfs_limits" in values:
        try:
            values["ipfs_limits"] = IpfsLimits(**values["ipfs_limits"])
        except TypeError as e:
            raise UsageError(f"bad ipfs_limits setting: {e}") from e
    try:
        return validate(Settings(**values))
    except TypeError as e:
        raise UsageError(f"bad settings: {e}") from e


def to_dict(settings: Settings) -> dict[str, Any]:
    """The JSON form of ``settings``."""
    data = dataclasses.asdict(settings)
    data["ipfs_gateways"] = list(settings.ipfs_gateways)
    return data


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
    return from_dict(data)


def save(settings: Settings, path: Path | None = None) -> None:
    """Write settings atomically (temp file, fsync, rename)."""
    path = path or default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(to_dict(settings), f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
