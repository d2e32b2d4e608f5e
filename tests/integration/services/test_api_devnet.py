"""The Stacks API client against the devnet's real routes: happy paths, a refused
broadcast, the v1 routes' 410, and fault switches turning into retries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import ApiError, NetworkError
from arbiter_app.retry import Backoff
from arbiter_app.services.session import http_endpoint
from arbiter_app.stacks.api import BroadcastRejected, StacksApi


@pytest.fixture
def api(devnet: Devnet) -> Iterator[StacksApi]:
    with closing(http_endpoint(devnet.endpoints["stacks_api"])) as endpoint:
        yield StacksApi(endpoint, sleep=lambda s: None)


def test_info_names_the_testnet_network_id(api: StacksApi) -> None:
    info = api.get_info()
    assert info.network_id == 0x80000000 and info.stacks_tip_height > 0


def test_account_and_nonces_agree(api: StacksApi, devnet: Devnet) -> None:
    payer = devnet.accounts["payer_1"]
    account = api.get_account(payer)
    nonces = api.get_nonces(payer)
    assert account.nonce > 0  # the seed scenario sent transactions from payer_1
    assert nonces.next_nonce == account.nonce


def test_fee_estimate_is_at_least_a_microstx_per_byte(api: StacksApi) -> None:
    fee = api.estimate_fee(bytes(120), 180)
    assert fee.low <= fee.middle <= fee.high and fee.low >= 180


def test_pox_lists_epochs(api: StacksApi) -> None:
    assert api.get_pox().epochs


def test_garbage_transaction_is_refused_with_a_reason(api: StacksApi) -> None:
    with pytest.raises(BroadcastRejected) as e:
        api.broadcast(b"\x80\x00not a transaction", "00" * 32)
    assert e.value.status == 400


def test_unknown_transaction_is_none(api: StacksApi) -> None:
    assert api.get_transaction("0x" + "11" * 32) is None


def test_a_v1_route_is_gone(api: StacksApi) -> None:
    with pytest.raises(ApiError, match="410 Gone"):
        api._json("GET", "/extended/v1/tx/0x" + "11" * 32)


def test_500s_are_retried_until_the_answer_comes(api: StacksApi, devnet: Devnet) -> None:
    devnet.set_faults(fail_next=3, path_prefix="/v2/info")
    before = api.requests
    assert api.get_info().network_id == 0x80000000
    assert api.requests - before == 4


def test_500s_past_the_retry_budget_are_reported(devnet: Devnet) -> None:
    devnet.set_faults(fail_next=10, path_prefix="/v2/info")
    with closing(http_endpoint(devnet.endpoints["stacks_api"])) as endpoint:
        api = StacksApi(endpoint, sleep=lambda s: None, retry=Backoff(attempts=3))
        with pytest.raises(ApiError) as e:
            api.get_info()
    assert e.value.status == 500


def test_truncated_answers_are_retried(api: StacksApi, devnet: Devnet) -> None:
    devnet.set_faults(truncate_next=2, path_prefix="/v2/accounts")
    assert api.get_account(devnet.accounts["payer_1"]).nonce > 0


def test_a_slow_server_times_out_as_a_network_error(devnet: Devnet) -> None:
    import httpx

    devnet.set_faults(delay_ms=1500)
    timeout = httpx.Timeout(0.3, connect=2.0)
    with closing(http_endpoint(devnet.endpoints["stacks_api"], timeout=timeout)) as endpoint:
        api = StacksApi(endpoint, sleep=lambda s: None, retry=Backoff(attempts=2))
        with pytest.raises(NetworkError, match="timed out"):
            api.get_info()


def test_429_waits_for_retry_after(devnet: Devnet) -> None:
    devnet.set_faults(fail_next=2, fail_status=429, retry_after="3", path_prefix="/v2/info")
    waits: list[float] = []
    with closing(http_endpoint(devnet.endpoints["stacks_api"])) as endpoint:
        api = StacksApi(endpoint, sleep=waits.append)
        assert api.get_info().network_id == 0x80000000
    assert waits == [3.0, 3.0]
