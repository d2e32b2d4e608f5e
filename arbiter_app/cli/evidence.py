"""``arbiter-app evidence``: check evidence on disk against its CID, without the network.

``evidence verify PATH --cid CID`` takes a CAR (verified block by block) or a plain file
(re-imported under the known profiles), prints what it verified — root CID, size, blocks,
layout, media type by content, sha256 — and exits 0; or names the first failing block and
why, and exits 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from arbiter_app import config
from arbiter_app.cli import print_json
from arbiter_app.errors import InputError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.local import verify_path
from arbiter_app.progress import run_to_end


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``evidence`` command group."""
    parser = subparsers.add_parser(
        "evidence",
        help="verify evidence files against their CIDs",
        description="Verify evidence on disk against its CID.",
    )
    sub = parser.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    verify = sub.add_parser(
        "verify",
        help="verify a CAR or a plain file against a CID",
        description="Verify PATH (a CAR or a plain file) against --cid.",
    )
    verify.add_argument("path", metavar="PATH", help="a CAR file or the plain file")
    verify.add_argument("--cid", required=True, help="the CID the content must have")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print the result; failures propagate as errors (exit 1)."""
    settings = config.load(Path(args.config) if args.config else None)
    path = Path(args.path)
    if not path.is_file():
        raise InputError(f"{path} is not a readable file")
    cid = CID.parse(args.cid)
    result = run_to_end(verify_path(path, cid, settings.ipfs_limits))
    document = {
        "cid": str(result.cid),
        "size": result.size,
        "blocks": result.blocks,
        "layout": result.layout,
        "verified_as": result.how,
        "media_type": result.media_type,
        "sha256": result.sha256,
    }
    if args.json:
        print_json(document)
        return 0
    blocks = f"{result.blocks} blocks" if result.blocks is not None else "re-imported"
    print(f"verified {result.cid}: {result.size} bytes, {blocks}, {result.layout}")
    print(f"  checked as: {result.how}")
    print(f"  media type (from content): {result.media_type}")
    print(f"  sha256: {result.sha256}")
    return 0
