"""A case bundle read by the reference IPLD tools (``@ipld/car``, multiformats' sha2-256,
``@ipld/dag-json``), as a party without Arbiter Desk would: every block hashes to its CID,
the root decodes as DAG-JSON, every part the index links is in the file, and the award they
read is the one ``bundle verify`` states; a changed block is caught by them too."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

from arbiter_app.ipfs.car import CarIndex, car_bytes
from arbiter_app.progress import run_to_end
from arbiter_app.records.bundle_car import DAG_JSON, LIMITS, BundleCar
from arbiter_app.records.bundle_verify import verify
from arbiter_app.services import bundle
from arbiter_app.store.db import Store
from tests.fixtures.bundle import ruled_case, session_for

SCRIPT = Path(__file__).parents[2] / "resources/devnet/interop/car-bundle-read.mjs"


def read_with_js(path: Path) -> Any:
    done = subprocess.run(["node", str(SCRIPT), str(path)], capture_output=True, text=True,
                          check=True, cwd=SCRIPT.parent, timeout=120)
    return json.loads(done.stdout)


def test_the_reference_tools_read_the_bundle_and_its_award(fresh_store: Store,
                                                            tmp_path: Path) -> None:
    arbiter = ruled_case(fresh_store)
    root, data = run_to_end(bundle.build(session_for(fresh_store, arbiter), 1))
    path = tmp_path / "bundle-1.car"
    path.write_bytes(data)
    facts = verify(BundleCar(io.BytesIO(data)), arbiter=arbiter.address())
    read = read_with_js(path)
    assert (read["root"], read["codec"], read["blocks"]) == (str(root), DAG_JSON, facts.blocks)
    assert read["schema"] == "arbiter-desk-bundle/1" and read["award"] == facts.award
    assert read["mismatched"] == [] and read["missing"] == []
    assert set(read["parts"]) == {"receipt", "rationale", "report", "log", "transaction",
                                  "terms", "evidence #0", "evidence #1"}


def test_the_reference_tools_catch_a_changed_block(fresh_store: Store, tmp_path: Path) -> None:
    arbiter = ruled_case(fresh_store)
    root, data = run_to_end(bundle.build(session_for(fresh_store, arbiter), 1))
    index = CarIndex(io.BytesIO(data), LIMITS)
    blocks = [(s.cid, bytes(index.get(s.cid) or b"")) for s in index.sections.values()]
    changed = [(c, b + b" " if n == 3 else b) for n, (c, b) in enumerate(blocks)]
    path = tmp_path / "changed.car"
    path.write_bytes(car_bytes([root], changed))
    assert read_with_js(path)["mismatched"] == [str(blocks[3][0])]
