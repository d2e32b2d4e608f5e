"""Publishing a case's documents so they outlive the arbiter's machine.

Every document the app publishes (the rationale, the receipt) is one raw block, put on the
configured Kubo node *pinned* (Kubo's ``block/put`` leaves a block to the next garbage
collection unless asked to pin it), confirmed with ``pin/ls``, then read back by its CID
through a configured gateway (the node itself when no gateway is set) and hashed against
the CID. What happened is kept per (CID, target) with the document's bytes and logged, so a
target that failed keeps the document queued for :func:`retry_queued`.

Without a publication target the ruling must not be signed: the rationale hash the contract
stores would point at a document nobody can fetch.
"""

from __future__ import annotations

import hashlib
import logging
import time

from arbiter_app.errors import LimitExceeded, NetworkError, PolicyError, VerificationError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.ipfs.pinning import PinningService, PinStatus
from arbiter_app.ipfs.sources import GatewaySource
from arbiter_app.services.session import Session
from arbiter_app.store import publications
from arbiter_app.store.publications import PINNED, QUEUED, Publication

logger = logging.getLogger(__name__)
KUBO, SERVICE = "kubo", "pinning-service"
STATUS_POLLS, STATUS_WAIT = 5, 0.5
NO_TARGET = ("no publication target is configured: set ipfs_rpc to your Kubo node's RPC "
             "address (arbiter-app config set ipfs_rpc http://127.0.0.1:5001) so the "
             "rationale the contract's hash points at can be pinned and fetched by anyone")


def require_target(session: Session) -> None:
    """Refuse to go on when no node is configured to pin published documents.

    :raises PolicyError: saying what to configure
    """
    if not session.settings.ipfs_rpc:
        raise PolicyError(NO_TARGET)


def cid_of(data: bytes) -> str:
    """The raw-block CID of ``data`` (``bafkrei…``)."""
    return str(CID.raw_sha256(hashlib.sha256(data).digest()))


def publish(session: Session, invoice_id: int, document: str, data: bytes,
            now: int | None = None) -> Publication:
    """Pin ``data`` on the configured Kubo, read it back by CID, and keep and log the result.

    :param document: what ``data`` is (``rationale``, ``receipt``)
    :returns: the kept publication, :data:`~arbiter_app.store.publications.PINNED`
    :raises PolicyError: no publication target is configured
    :raises NetworkError: the node or every read-back source failed (the document is kept
        queued, with the problem in words)
    :raises VerificationError: the node stored or the read-back answered other bytes
    """
    require_target(session)
    now = int(time.time()) if now is None else now
    cid = cid_of(data)
    endpoint = str(session.settings.ipfs_rpc)
    queued = Publication(cid, KUBO, invoice_id, document, endpoint, QUEUED)
    try:
        done = _pin_and_read_back(session, queued, data, now)
    except (NetworkError, VerificationError) as e:
        publications.record(session.store, _with_detail(queued, str(e)), data, now=now)
        raise
    publications.record(session.store, done, data, now=now)
    _pin_remote(session, done, data, now)
    return done


def _pin_remote(session: Session, pinned: Publication, data: bytes, now: int) -> None:
    """Ask the configured pinning service to pin a document Kubo holds, and keep the answer.

    A refusal (401), a failure (5xx) or no answer in time is logged and kept queued with the
    reason; the document is on Kubo already, so the ruling goes on.
    """
    service = session.pinning()
    if service is None:
        return
    kept = publications.load(session.store, pinned.cid, SERVICE)
    base = Publication(pinned.cid, SERVICE, pinned.invoice_id, pinned.document, service.name,
                       QUEUED, kept.request_id if kept is not None else "")
    try:
        state = _remote_state(service, base)
    except (NetworkError, PolicyError) as e:
        logger.warning("the pinning service did not pin %s %s: %s", base.document, base.cid, e)
        publications.record(session.store, _with_detail(base, str(e)), data, now=now)
        return
    if state.status == "pinned":
        done = Publication(base.cid, SERVICE, base.invoice_id, base.document, base.endpoint,
                           PINNED, state.requestid, pinned_at=now, verified_at=now,
                           verified_via=f"{service.name} (status pinned)")
        publications.record(session.store, done, data, now=now)
        return
    detail = f"the service reports {state.status}" + (
        f" ({state.info['status_details']})" if "status_details" in state.info else "")
    request = "" if state.status == "failed" else state.requestid
    publications.record(session.store, Publication(
        base.cid, SERVICE, base.invoice_id, base.document, base.endpoint, QUEUED, request,
        detail=detail), data, now=now)


def _remote_state(service: PinningService, base: Publication) -> PinStatus:
    """Ask for the pin (or look up the request already made) and follow its status a few
    times; a service still working leaves the request queued for the next retry."""
    state = service.status(base.request_id) if base.request_id else \
        service.add(base.cid, f"arbiter {base.document} of invoice {base.invoice_id}")
    for _ in range(STATUS_POLLS):
        if state.status in ("pinned", "failed"):
            break
        time.sleep(STATUS_WAIT)
        state = service.status(state.requestid)
    if state.pin.cid != base.cid:
        raise PolicyError(f"the pinning service answered for {state.pin.cid}, not {base.cid}")
    return state


def for_case(session: Session, invoice_id: int) -> list[Publication]:
    """Where each of a case's documents is pinned, or queued."""
    return publications.for_case(session.store, invoice_id)


def queued(session: Session) -> list[Publication]:
    """Publications still waiting to be pinned, oldest first."""
    return publications.queued(session.store)


def describe(p: Publication) -> str:
    """One publication in words: where it is pinned and read back, or why it is queued."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(p.pinned_at or 0))
    where = f"{p.document.capitalize()} {p.cid} on {p.target} at {p.endpoint}"
    if p.state == PINNED:
        return f"{where}: pinned {when}, read back through {p.verified_via}."
    return f"{where}: NOT PINNED YET, queued for retry ({p.detail})."


def retry_queued(session: Session, now: int | None = None) -> list[Publication]:
    """Try every queued publication again; return those pinned now (failures stay queued)."""
    now = int(time.time()) if now is None else now
    waiting_list = publications.queued(session.store)
    for waiting in waiting_list:
        data = publications.data(session.store, waiting.cid, waiting.target)
        try:
            if waiting.target == SERVICE:
                _pin_remote(session, waiting, data, now)
            else:
                publish(session, waiting.invoice_id, waiting.document, data, now)
        except (NetworkError, VerificationError, PolicyError) as e:
            logger.warning("%s %s is still queued: %s", waiting.document, waiting.cid, e)
    now_kept = (publications.load(session.store, w.cid, w.target) for w in waiting_list)
    return [p for p in now_kept if p is not None and p.state == PINNED]


def _pin_and_read_back(session: Session, queued: Publication, data: bytes,
                       now: int) -> Publication:
    kubo = _node(session)
    cid = CID.parse(queued.cid)
    kubo.put_raw_block(data)
    if kubo.pin_type(cid) is None:
        raise VerificationError(f"Kubo at {queued.endpoint} did not pin {cid} after "
                                "block/put with pin=true")
    via = _read_back(session, kubo, cid, data)
    return Publication(queued.cid, KUBO, queued.invoice_id, queued.document, queued.endpoint,
                       PINNED, pinned_at=now, verified_at=now, verified_via=via)


def _node(session: Session) -> KuboSource:
    kubo = session.kubo()
    if kubo is None:
        raise PolicyError(NO_TARGET)
    return kubo


def _read_back(session: Session, kubo: KuboSource, cid: CID, data: bytes) -> str:
    """Fetch ``cid`` through the first gateway that has it (or the node) and check its hash.

    :returns: the name of the source it was read back through
    """
    sources: list[GatewaySource | KuboSource] = [
        GatewaySource(session.client(g)) for g in session.settings.ipfs_gateways]
    problems = []
    for source in sources or [kubo]:
        try:
            block = source.get_block(cid, len(data))
        except (NetworkError, LimitExceeded) as e:
            problems.append(f"{source.name}: {e}")
            continue
        if block is None:
            problems.append(f"{source.name} does not have it")
        elif hashlib.sha256(block).digest() != hashlib.sha256(data).digest():
            raise VerificationError(f"{source.name} answered other bytes for {cid}")
        else:
            return str(source.name)
    raise NetworkError(f"{cid} could not be read back after pinning: " + "; ".join(problems))


def _with_detail(publication: Publication, detail: str) -> Publication:
    return Publication(publication.cid, publication.target, publication.invoice_id,
                       publication.document, publication.endpoint, QUEUED,
                       publication.request_id, detail=detail)
