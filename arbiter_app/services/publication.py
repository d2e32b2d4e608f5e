"""Publishing a case's documents so they outlive the arbiter's machine.

The rationale and the receipt are each one raw block; the case bundle is a CAR of blocks
(raw, dag-pb, dag-json) under its index block. Every block is put on the configured Kubo
node *pinned* (Kubo's ``block/put`` leaves a block to the next garbage collection unless
asked to pin it), the root last, the root's pin confirmed with ``pin/ls``, then every block
is read back by its CID through a configured gateway (the node itself when no gateway is
set) and hashed against the CID. What happened is kept per (CID, target) with the
document's bytes (a bundle's whole CAR) and logged, so a target that failed keeps the
document queued for :func:`retry_queued`.

Without a publication target the ruling must not be signed: the rationale hash the contract
stores would point at a document nobody can fetch.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time

from arbiter_app.errors import LimitExceeded, NetworkError, PolicyError, VerificationError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.ipfs.pinning import PinningService, PinStatus
from arbiter_app.ipfs.sources import GatewaySource
from arbiter_app.records.bundle_car import BundleCar
from arbiter_app.services.session import Session
from arbiter_app.store import publications
from arbiter_app.store.publications import PINNED, QUEUED, Publication

logger = logging.getLogger(__name__)
KUBO, SERVICE = "kubo", "pinning-service"
STATUS_POLLS, STATUS_WAIT = 5, 0.5
CAR_DOCUMENTS = frozenset({"bundle"})  # kept as a CAR of blocks, not one raw block
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
    cid = CID.raw_sha256(hashlib.sha256(data).digest())
    return _publish(session, invoice_id, document, [(cid, data)], data, now)


def publish_car(session: Session, invoice_id: int, document: str, car: bytes,
                now: int | None = None) -> Publication:
    """Pin every block of a CAR (a case bundle: its root is the document's CID), read each
    back, and keep (with the CAR's bytes) and log the result, as :func:`publish` does.

    :raises VerificationError: the CAR is not a case bundle's (its blocks do not match
        their CIDs), or as :func:`publish`
    """
    bundle = BundleCar(io.BytesIO(car))
    blocks = [(s.cid, bundle.block(s.cid, "a block")) for s in bundle.car.sections.values()
              if s.cid != bundle.root]
    root = bundle.root
    return _publish(session, invoice_id, document,
                    [*blocks, (root, bundle.block(root, "the root"))], car, now)


def _publish(session: Session, invoice_id: int, document: str, blocks: list[tuple[CID, bytes]],
             data: bytes, now: int | None) -> Publication:
    """Pin ``blocks`` (the document's root last), read them back, keep ``data`` and log."""
    require_target(session)
    now = session.now() if now is None else now
    cid = str(blocks[-1][0])
    endpoint = str(session.settings.ipfs_rpc)
    queued = Publication(cid, KUBO, invoice_id, document, endpoint, QUEUED)
    try:
        done = _pin_and_read_back(session, queued, blocks, now)
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


def kept_data(session: Session, kept: Publication) -> bytes:
    """The bytes kept with a publication (for a case bundle: its whole CAR)."""
    return publications.data(session.store, kept.cid, kept.target)


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
    now = session.now() if now is None else now
    waiting_list = publications.queued(session.store)
    for waiting in waiting_list:
        data = publications.data(session.store, waiting.cid, waiting.target)
        try:
            if waiting.target == SERVICE:
                _pin_remote(session, waiting, data, now)
            elif waiting.document in CAR_DOCUMENTS:
                publish_car(session, waiting.invoice_id, waiting.document, data, now)
            else:
                publish(session, waiting.invoice_id, waiting.document, data, now)
        except (NetworkError, VerificationError, PolicyError) as e:
            logger.warning("%s %s is still queued: %s", waiting.document, waiting.cid, e)
    now_kept = (publications.load(session.store, w.cid, w.target) for w in waiting_list)
    return [p for p in now_kept if p is not None and p.state == PINNED]


def _pin_and_read_back(session: Session, queued: Publication,
                       blocks: list[tuple[CID, bytes]], now: int) -> Publication:
    kubo = _node(session)
    for cid, block in blocks:
        kubo.put_block(cid, block)
    root = blocks[-1][0]
    if kubo.pin_type(root) is None:
        raise VerificationError(f"Kubo at {queued.endpoint} did not pin {root} after "
                                "block/put with pin=true")
    via = {_read_back(session, kubo, cid, block) for cid, block in blocks}
    return Publication(queued.cid, KUBO, queued.invoice_id, queued.document, queued.endpoint,
                       PINNED, pinned_at=now, verified_at=now,
                       verified_via=", ".join(sorted(via)))


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
