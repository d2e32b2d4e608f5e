"""What the chain says about one escrow, read two independent ways: the contract's print
events (paged from the extended API) and its read-only functions (``call-read``).

:class:`ChainReader` turns API answers into escrow records; :func:`event_view` folds an
invoice's events into the state they imply; :func:`disagreements` compares that with the
``call-read`` invoice. The ruling service refuses to sign when they disagree
(docs/reliability.md §5: a ruling is signed only when two views agree).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable
from dataclasses import dataclass

from arbiter_app import deadline
from arbiter_app.case.models import ChainChecks, Invoice, InvoiceStatus
from arbiter_app.errors import DecodeError, PolicyError, ResponseError
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services.paging import PageGuard
from arbiter_app.stacks import clarity, escrow
from arbiter_app.stacks.api import ContractLog, StacksApi

PAGE_SIZE = 100  # the extended API's maximum for event pages (docs/stacks-api.md)


@dataclass(frozen=True)
class EventView:
    """An invoice's state as its print events tell it (``None`` where no event said)."""

    invoice_id: int
    status: InvoiceStatus | None
    payer: str | None
    payee: str | None
    arbiter: str | None
    amount: int | None
    raised_by: str | None
    raised_time: int | None
    raised_height: int | None


class ChainReader:
    """Reads the escrow through one Stacks API.

    :param api: the API client
    :param contract_id: the escrow's ``ADDR.name``
    :param sender: the principal read-only calls are made as (the arbiter)
    """

    def __init__(self, api: StacksApi, contract_id: str, sender: str) -> None:
        self.api = api
        self.contract_id = contract_id
        self.sender = sender
        self.newest_height: int | None = None
        self.newest_key: tuple[str, int] | None = None
        self.governance: list[escrow.GovernanceEvent] = []
        self.read_so_far: list[escrow.EscrowEvent] = []
        self.floor_height: int | None = None

    def _read(self, function: str, invoice_id: int, index: int | None = None) -> object:
        args = escrow.read_only_args(function, invoice_id, index)
        return self.api.call_read_only(self.contract_id, function, args, self.sender)

    def _decoded(self, function: str, decode: object, *args: int) -> object:
        """Call, then decode; a shape error is the server's fault, so it names the call."""
        value = self._read(function, args[0], args[1] if len(args) > 1 else None)
        try:
            return decode(*args, value)  # type: ignore[operator]
        except DecodeError as e:
            raise ResponseError(f"{function} answered a value of the wrong shape: {e}",
                                self.api_url(function)) from e

    def api_url(self, function: str) -> str:
        """The call-read URL of ``function`` (for messages)."""
        address, _, name = self.contract_id.partition(".")
        return f"/v2/contracts/call-read/{address}/{name}/{function}"

    def invoice(self, invoice_id: int) -> Invoice | None:
        """``get-invoice``."""
        return self._decoded("get-invoice", escrow.decode_invoice, invoice_id)  # type: ignore[return-value]

    def dispute(self, invoice_id: int) -> escrow.DisputeRecord | None:
        """``get-dispute``."""
        return self._decoded("get-dispute", escrow.decode_dispute, invoice_id)  # type: ignore[return-value]

    def evidence(self, invoice_id: int, index: int) -> escrow.EvidenceRecord | None:
        """``get-evidence``."""
        return self._decoded("get-evidence", escrow.decode_evidence, invoice_id, index)  # type: ignore[return-value]

    def ruling(self, invoice_id: int) -> escrow.RulingRecord | None:
        """``get-ruling``."""
        return self._decoded("get-ruling", escrow.decode_ruling, invoice_id)  # type: ignore[return-value]

    def paused(self) -> bool:
        """``is-paused``."""
        return self._bool("is-paused", ())

    def whitelisted(self, token: str) -> bool:
        """``is-token-whitelisted``."""

        return self._bool("is-token-whitelisted", (clarity.principal(token),))

    def _bool(self, function: str, args: tuple[object, ...]) -> bool:

        value = self.api.call_read_only(self.contract_id, function, args, self.sender)
        if not isinstance(value, clarity.Bool):
            raise ResponseError(f"{function} answered a value that is not a bool",
                                self.api_url(function))
        return bool(value.value)

    def token_balance(self, token: str, owner: str) -> int:
        """The SIP-010 ``get-balance`` of ``owner`` at ``token`` (a ``call-read``).

        :raises ResponseError: an answer that is not ``(ok uint)``
        """
        address, _, name = token.partition(".")
        value = self.api.call_read_only(token, "get-balance", (clarity.principal(owner),),
                                        self.sender)
        if not (isinstance(value, clarity.Ok) and isinstance(value.value, clarity.UInt)):
            raise ResponseError("get-balance answered a value that is not (ok uint)",
                                f"/v2/contracts/call-read/{address}/{name}/get-balance")
        return int(value.value.value)

    def checks(self, invoice_id: int, signer_address: str, *, known_evidence: int,
               held: int = 0) -> ChainChecks:
        """Step 3's chain facts, read now, the escrow's real balance of the
        invoice's token among them, and ``get-dispute``'s evidence count beside the one the
        events gave (two views of the evidence).

        :param held: what the escrow holds in escrow in the invoice's token, as far as the
            party index knows (this invoice's amount counts at least)
        :param known_evidence: the evidence items the case holds (from the events)
        :raises PolicyError: the invoice or its dispute does not exist on chain
        """
        invoice = self.invoice(invoice_id)
        dispute = self.dispute(invoice_id)
        if invoice is None or dispute is None:
            raise PolicyError(f"invoice {invoice_id} has no dispute on chain")
        tip = self.api.get_info().stacks_tip_height
        balance = self.token_balance(invoice.token, self.contract_id)
        needed = max(held, invoice.amount)
        return ChainChecks(
            status_disputed=invoice.status is InvoiceStatus.DISPUTED,
            deposit_matches=invoice.deposit == invoice.amount and balance >= needed,
            token_whitelisted=self.whitelisted(invoice.token),
            contract_paused=self.paused(),
            arbiter_is_signer=invoice.arbiter == signer_address,
            deadline=invoice.deadline, chain_tip=tip, raised_by=dispute.raised_by,
            escrow_balance=balance, escrow_held=needed,
            evidence_on_chain=dispute.evidence_count, evidence_known=known_evidence,
        )

    def new_events(
        self, seen: tuple[str, int] | None, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, list[escrow.EscrowEvent]]:
        """Page the contract's print events back to ``seen``; return the newer ones, oldest
        first. Afterwards :attr:`newest_height` and :attr:`newest_key` (txid, event index)
        place the newest log, and :attr:`governance` holds the governance events read,
        oldest first. While it pages, :attr:`read_so_far` holds the escrow events read so
        far, newest first. :attr:`floor_height` is a block height no new event is below (the
        next older page's first log), or ``None`` when the pages reached the oldest log.

        :param seen: the (txid, event index) of the newest event of the previous sync
        """
        found: list[escrow.EscrowEvent] = []
        self.read_so_far = found
        self.governance = []
        cursor: str | None = None
        guard = PageGuard(f"/extended/v2/smart-contracts/{self.contract_id}/logs", PAGE_SIZE)
        while True:
            if cancel is not None:
                cancel.check()
            with deadline.within(math.inf, cancel):  # cancel honoured mid-request
                page = self.api.contract_logs(self.contract_id, cursor=cursor, limit=PAGE_SIZE)
            guard.page(page.total, page.older_cursor,
                       [(log.tx_id, log.event_index) for log in page.results])
            self.floor_height = (int(page.older_cursor.partition(":")[0])
                                 if page.older_cursor else None)
            if cursor is None:
                self.newest_height = page.top_height
                top = page.results[0] if page.results else None
                self.newest_key = (top.tx_id, top.event_index) if top else None
            for log in page.results:
                if seen is not None and (log.tx_id, log.event_index) == seen:
                    found.reverse()
                    self.governance.reverse()
                    return found
                if log.topic == "print":
                    self._collect(log, found)
            yield Progress("reading contract events", len(found), page.total)
            if page.older_cursor is None or not page.results:
                found.reverse()
                self.governance.reverse()
                return found
            cursor = page.older_cursor

    def _collect(self, log: ContractLog, found: list[escrow.EscrowEvent]) -> None:
        """Add the log's escrow event to ``found``, or its governance event to
        :attr:`governance`."""
        try:
            event = escrow.decode_event(log.value, log.tx_id, log.event_index)
            if event is not None:
                found.append(event)
                return
            governance = escrow.decode_governance(log.value, log.tx_id, log.event_index)
            if governance is not None:
                self.governance.append(governance)
        except DecodeError as e:
            raise ResponseError(f"a contract event has the wrong shape: {e}",
                                f"/extended/v2/smart-contracts/{self.contract_id}/logs") from e


def event_view(invoice_id: int, events: Iterable[escrow.EscrowEvent]) -> EventView:
    """Fold the invoice's events, oldest first, into the state they imply."""
    status = payer = payee = arbiter = raised_by = None
    amount = raised_time = raised_height = None
    for e in events:
        if e.invoice_id != invoice_id:
            continue
        status = escrow.status_after(e) or status
        payer = e.fields.get("payer", payer)
        payee = e.fields.get("payee", payee)
        arbiter = e.fields.get("arbiter", arbiter)
        amount = e.fields.get("amount", amount)
        if e.name == "dispute-raised":
            raised_by = e.fields.get("raised-by")
            raised_time, raised_height = e.block_time, e.block_height
    return EventView(invoice_id, status, payer, payee, arbiter, amount,
                     raised_by, raised_time, raised_height)


def disagreements(invoice: Invoice, view: EventView) -> list[str]:
    """Where ``call-read`` and the events disagree, in plain words (empty when they agree).

    A field no event mentions is not a disagreement; a status no event confirms is.
    """
    problems = []
    if view.status is None or view.status is not invoice.status:
        said = view.status.name if view.status is not None else "nothing"
        problems.append(f"status: call-read says {invoice.status.name}, the events say {said}")
    pairs = (("payer", invoice.payer, view.payer), ("payee", invoice.payee, view.payee),
             ("arbiter", invoice.arbiter, view.arbiter), ("amount", invoice.amount, view.amount))
    for name, read, told in pairs:
        if told is not None and told != read:
            problems.append(f"{name}: call-read says {read}, the events say {told}")
    return problems
