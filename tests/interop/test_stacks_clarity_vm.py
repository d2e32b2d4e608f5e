"""The Clarity VM itself (clarinet-sdk's simnet) reads our ``repr`` and serializes the value.

For 500 seeded random well-typed values, ``repr_value`` must be Clarity source that the VM
evaluates to the same value, and the VM's consensus serialization (the node's own code, tuple
keys in byte order, mixed case included) must equal ``serialize`` byte for byte. The seed is
printed, and ``ARBITER_INTEROP_SEED`` reproduces it.
"""

from __future__ import annotations

import os
import random

from arbiter_app.stacks import clarity, clarity_repr, clarity_wire
from tests.fixtures.stacks import VALUES, run_clarity_vm
from tests.fixtures.stacks_random import TypedGen


def test_the_vm_evaluates_our_repr_to_our_bytes() -> None:
    seed = os.environ.get("ARBITER_INTEROP_SEED") or str(random.SystemRandom().randrange(2**32))
    print(f"\nclarity VM seed: {seed} (set ARBITER_INTEROP_SEED={seed} to reproduce)")
    gen = TypedGen(random.Random(seed))
    values = [gen.typed(gen.type_()) for _ in range(VALUES)]
    answers = run_clarity_vm([clarity_repr.repr_value(v) for v in values])
    assert len(answers) == len(values)
    mixed_case = 0
    for value, answer in zip(values, answers, strict=True):
        shown = clarity_repr.repr_value(value)
        assert "hex" in answer, (seed, shown, answer.get("error"))
        assert answer["hex"] == clarity.serialize(value).hex(), (seed, shown)
        assert clarity_wire.from_hex(answer["hex"]) == value
        mixed_case += "(tuple (" in shown and any(c.isupper() for c in shown)
    assert mixed_case > 0


def test_the_vm_refuses_what_we_refuse_to_build() -> None:
    # Agreement on refusals too: a heterogeneous list and an over-long tuple key.
    answers = run_clarity_vm(["(list 1 u1)", f"(tuple ({'a' * 129} u1))"])
    assert all("error" in a for a in answers)
