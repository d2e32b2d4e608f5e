"""The store's own audit against rows a local attacker rewrote into JSON edge cases: each is
a VerificationError naming the entry, never a ValueError or RecursionError."""

from __future__ import annotations

import pytest

from arbiter_app.case.models import Step
from arbiter_app.errors import VerificationError
from arbiter_app.store import log
from arbiter_app.store.db import Store
from tests.fixtures.store import T0, walk_case

HEAD = b'{"at":1790000000,"case":1,"data":'
BODIES = {
    "data-nan": HEAD + b'{"x":NaN},"index":0,"kind":"dispute-synced"}',
    "data-1e999": HEAD + b'{"x":1e999},"index":0,"kind":"dispute-synced"}',
    "data-lone-surrogate": HEAD + b'{"x":"\\ud800"},"index":0,"kind":"dispute-synced"}',
    "data-nested-200k-deep": HEAD + b"[" * 200_000 + b"]" * 200_000
    + b',"index":0,"kind":"dispute-synced"}',
    "data-as-list-of-pairs": HEAD + b'[["x",1]],"index":0,"kind":"dispute-synced"}',
    "data-as-string": HEAD + b'"x=1","index":0,"kind":"dispute-synced"}',
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_rewritten_row_with_json_edge_case_fails_the_audit_naming_it(
    fresh_store: Store, name: str
) -> None:
    walk_case(fresh_store, 1, Step.TERMS)
    log.checkpoint(fresh_store, now=T0)
    with fresh_store.atomic():
        fresh_store.conn.execute("UPDATE log_entries SET body = ? WHERE idx = 0",
                                 (BODIES[name],))
    with pytest.raises(VerificationError, match="entry 0"):
        log.verify_log(fresh_store)
