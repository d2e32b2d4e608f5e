"""The decision-log roots that rulings put on chain, recomputed from a whole-log export.

A ruling transaction of escrow v2 carries the root of the arbiter's decision log over every
entry up to and including the case's ``ruling-finalized`` entry (docs/contract.md). From a
whole-log export (every entry, in order) the same root can be recomputed for each ruling,
and paired with the transaction the case's ``transaction-confirmed`` entry names; comparing
the two against the chain catches a log rewritten after the ruling, even one re-signed with
the log key. Pure: lines in, anchors out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.errors import VerificationError


@dataclass(frozen=True)
class Anchor:
    """One ruling's log root as the export recomputes it, and the transaction that carried it.

    :param case: the invoice
    :param index: the index of the ruling's ``ruling-finalized`` entry
    :param root: the root over entries ``0..index``
    :param txid: the confirmed ruling transaction
    """

    case: int
    index: int
    root: bytes
    txid: str


def anchors(lines: Sequence[bytes]) -> list[Anchor]:
    """The anchor of every confirmed ruling in a whole-log export (header line first).

    Call on an export :func:`arbiter_app.records.export.verify_jsonl` has verified: this
    recomputes roots, it does not re-check signatures.

    :raises VerificationError: the export is not a whole-log export
    """
    header = json.loads(lines[0]) if lines else {}
    if header.get("scope") != "all":
        raise VerificationError("checking log roots against the chain needs a whole-log "
                                "export ('log export' without --case)")
    tree = merkle.GrowingRange()
    finalized: dict[int, tuple[int, bytes]] = {}
    found: list[Anchor] = []
    for line in lines[1:]:
        entry = json.loads(line)["entry"]  # a line of either format, with or without a proof
        tree.add(hashlib.sha256(b"\x00" + canonical_json(entry)).digest())
        kind, case = entry["kind"], entry["case"]
        if kind == "ruling-finalized":
            finalized[case] = (entry["index"], tree.root())
        elif kind == "transaction-confirmed" and case in finalized:
            index, root = finalized[case]
            found.append(Anchor(case, index, root, str(entry["data"]["txid"])))
    return found
