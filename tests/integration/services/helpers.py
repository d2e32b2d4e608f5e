"""Shared steps of the services' integration tests: settings for a devnet and the emulated
Ledger, a session, walking a synced case through steps 1-5 as an arbiter would, and
reading token balances from the chain itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from arbiter_app import config
from arbiter_app.case.framework import RulingProposal
from arbiter_app.case.models import Decision, EvidenceState
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import opening, queries, steps
from arbiter_app.services.session import Session
from arbiter_app.store import cases

RATIONALE = (
    "Having reviewed the invoice terms, the evidence submitted by both parties, the chain "
    "records and the off-chain documents, I find that the deliverable described in the terms "
    "was handled as the cited evidence shows. The other party's objections are not supported "
    "by anything in the record, and the timeline in the evidence is consistent with the "
    "deadline. The ruling below follows from the agreed terms and the evidence cited."
)


def devnet_settings(devnet: Devnet, data_dir: Path, ledger: str = "hid",
                    kubo: bool = True) -> config.Settings:
    """Settings that point every service at ``devnet`` and sign on the emulator.

    :param kubo: use the devnet's Kubo RPC, the publication target (without it a ruling
        is refused before signing)
    """
    ep = devnet.endpoints
    return config.Settings(
        network="devnet", stacks_api=ep["stacks_api"], escrow_contract=devnet.escrow_contract,
        ipfs_rpc=ep["ipfs_rpc"] if kubo else None, ipfs_gateways=(ep["ipfs_gateway"],),
        signer="ledger", ledger=ledger, data_dir=str(data_dir),
    )


def short_session(settings: config.Settings) -> Session:
    """A session whose HTTP timeouts are short, so fault tests end quickly."""
    return Session(settings, timeout=httpx.Timeout(5.0, connect=2.0))


def fast_retries(session: Session) -> None:
    """No real waiting between API retries (the retry count is what is tested)."""
    session.api._sleep = lambda seconds: None


def walk_to_ruling(session: Session, invoice_id: int, decision: Decision,
                   payee_amount: int | None = None) -> None:
    """Complete steps 1-5 of a synced case the way the GUI does (``payee_amount`` is a
    split's share for the payee)."""
    from arbiter_app.services.chain import ChainReader

    now = session.now()
    run_to_end(opening.fetch_on_opening(session, invoice_id))  # as opening the case does
    case = queries.load_case(session, invoice_id)
    inv = case.invoice
    steps.complete_terms(session, invoice_id, no_conflict=True,
                         dealings_shown=queries.past_dealings(session, case), now=now)
    for item in case.dispute.evidence:
        if item.state is EvidenceState.VERIFIED:
            cases.open_evidence(session.store, invoice_id, item.index, title=item.title,
                                files=item.files, now=now)
    steps.complete_evidence(session, invoice_id, now=now)
    reader = ChainReader(session.api, session.contract_id, inv.arbiter)
    checks = reader.checks(invoice_id, session.signer.address(),
                           known_evidence=len(case.dispute.evidence))
    steps.complete_chain(session, invoice_id, checks=checks, acknowledged=checks, now=now)
    consulted = [case.dispute.reason_cid] + ([inv.terms.cid] if inv.terms.cid else [])
    steps.complete_documents(session, invoice_id, consulted=consulted, now=now)
    finalize(session, invoice_id, decision, payee_amount=payee_amount)


def finalize(session: Session, invoice_id: int, decision: Decision,
             rationale: str = RATIONALE, payee_amount: int | None = None) -> None:
    """Step 5 of a case whose steps 1-4 are done: the ruling citing two verified items
    (``payee_amount`` is a split's share for the payee)."""
    case = queries.load_case(session, invoice_id)
    cited = tuple(e.manifest_cid for e in case.dispute.evidence
                  if e.state is EvidenceState.VERIFIED)[:2]
    proposal = RulingProposal(decision, rationale, cited, queries.review_flags(session, case),
                              payee_amount=payee_amount)
    steps.finalize_ruling(session, invoice_id, proposal, now=session.now())


def token_balance(session: Session, token: str, who: str) -> int:
    """``get-balance`` of the SIP-010 token, read from the chain."""
    from arbiter_app.stacks import clarity

    sender = token.partition(".")[0]  # a read must be sent by a standard principal
    value: Any = session.api.call_read_only(token, "get-balance", (clarity.principal(who),),
                                            sender)
    assert isinstance(value, clarity.Ok)
    return int(value.value.value)


def nonce_of(session: Session, who: str) -> int:
    """The next nonce of ``who`` from confirmed state."""
    return session.api.get_account(who).nonce


def account_signer(role: str) -> Any:
    """A software signer for a devnet account of ``Devnet.toml`` (its public mnemonic)."""
    import tomllib

    from arbiter_app.wallet.software import SoftwareSigner

    toml = Path(__file__).resolve().parents[3] / "resources/contracts/settings/Devnet.toml"
    mnemonic = tomllib.loads(toml.read_text())["accounts"][role]["mnemonic"]
    return SoftwareSigner.from_mnemonic(mnemonic, config.DEVNET)


def call_as(session: Session, role: str, function: str, args: tuple[Any, ...]) -> str:
    """Sign and broadcast an escrow call from a devnet account; return its txid."""
    from arbiter_app.stacks import transaction as txn

    signer = account_signer(role)
    nonce = session.api.get_nonces(signer.address()).next_nonce
    tx = txn.make_contract_call(config.DEVNET, session.contract_id, function, args,
                                signer.public_key(), nonce, 2000)
    signed = signer.sign_transaction(tx)
    return session.api.broadcast(txn.serialize(signed), txn.txid(signed))


def next_action_id(session: Session) -> int:
    """The id the escrow gives its next admin proposal."""
    from arbiter_app.stacks import clarity

    last = session.api.call_read_only(session.contract_id, "get-last-action-id", (),
                                      session.contract_id.partition(".")[0])
    assert isinstance(last, clarity.UInt)
    return last.value + 1


def govern(session: Session, function: str, args: tuple[Any, ...] = ()) -> None:
    """An admin action of the escrow, carried out as it must be: admin_1 proposes it and
    admin_2 approves (two of the three admins)."""
    from arbiter_app.stacks import clarity

    action = next_action_id(session)
    call_as(session, "admin_1", function, args)
    call_as(session, "admin_2", "approve-action", (clarity.UInt(action),))


def pause_escrow(session: Session) -> None:
    """Two of the three admins pause the contract."""
    from arbiter_app.stacks import clarity

    govern(session, "propose-pause")
    paused = session.api.call_read_only(session.contract_id, "is-paused", (),
                                        session.contract_id.partition(".")[0])
    assert paused == clarity.Bool(True)


def pause_in_mempool(session: Session, devnet: Devnet) -> None:
    """The admins' pause transactions wait in the mempool (held until mined), so whatever is
    broadcast next is mined after them."""
    from arbiter_app.stacks import clarity

    action = next_action_id(session)
    devnet.set_faults(hold_txs=True)
    call_as(session, "admin_1", "propose-pause", ())
    call_as(session, "admin_2", "approve-pause", (clarity.UInt(action),))
