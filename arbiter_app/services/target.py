"""Before a sync reads anything: is the configured escrow contract real, on the node's network?

A wrong contract id or a node of another network would otherwise sync "0 disputes" in
silence. :func:`check_target` reads ``/v2/info`` and ``/v2/contracts/interface/...`` and
raises a :class:`PolicyError` that names what is wrong; nothing is stored before it passes.
"""

from __future__ import annotations

from arbiter_app.errors import DecodeError, PolicyError
from arbiter_app.stacks import c32
from arbiter_app.stacks.api import StacksApi

# The node's network_id per configured network (stacks-core: mainnet 1, testnet 0x80000000).
NETWORK_IDS = {"mainnet": 1, "testnet": 0x80000000, "devnet": 0x80000000}
MAINNET_VERSIONS = frozenset({c32.MAINNET_SINGLE_SIG, c32.MAINNET_MULTI_SIG})
# Functions the app calls; a contract without them is not the escrow.
ESCROW_FUNCTIONS = frozenset(
    {"get-invoice", "get-dispute", "get-evidence", "get-ruling", "is-paused",
     "is-token-whitelisted", "resolve-dispute-split"}
)


def check_target(api: StacksApi, network: str, contract_id: str) -> None:
    """Require the node to serve ``network`` and to know ``contract_id`` as the escrow.

    :param network: the configured network name (``mainnet``, ``testnet``, ``devnet``)
    :param contract_id: the configured escrow contract, ``ADDRESS.name``
    :raises PolicyError: a malformed contract id, an address of the other network, a node of
        another network, no such contract, or a contract without the escrow's functions
    :raises NetworkError: when the node cannot be asked
    """
    _check_contract_id(network, contract_id)
    info = api.get_info()
    want = NETWORK_IDS[network]
    if info.network_id != want:
        raise PolicyError(f"the node serves network id {info.network_id:#x}, but the settings "
                          f"name {network} ({want:#x}); point the API URL at a {network} node "
                          "or change the network")
    functions = api.contract_functions(contract_id)
    if functions is None:
        raise PolicyError(f"the escrow contract {contract_id} does not exist on this {network} "
                          "node; check the contract id in the settings")
    missing = sorted(ESCROW_FUNCTIONS - functions)
    if missing:
        raise PolicyError(f"the contract {contract_id} is not the escrow: it has no "
                          f"{', '.join(missing)}")


def _check_contract_id(network: str, contract_id: str) -> None:
    try:
        version, _, name = c32.decode_principal(contract_id)
    except DecodeError as e:
        raise PolicyError(f"the escrow contract id {contract_id!r} is not ADDRESS.name: {e}") from e
    if name is None:
        raise PolicyError(f"the escrow contract id {contract_id!r} names no contract "
                          "(ADDRESS.name)")
    if (version in MAINNET_VERSIONS) != (network == "mainnet"):
        side = "a mainnet" if version in MAINNET_VERSIONS else "a testnet"
        raise PolicyError(f"the escrow contract {contract_id} has {side} address, but the "
                          f"settings name {network}")
