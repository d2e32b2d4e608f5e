"""Run the stacks.js judge (``stacksjs_judge.mjs``) on a batch of requests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("stacksjs_judge.mjs")


def judge(*requests: dict[str, Any]) -> list[Any]:
    """One answer per request, from @stacks/transactions and @stacks/wallet-sdk."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the reference checks (resources/devnet)")
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT.read_text()],
        cwd=REPO / "resources" / "devnet",
        input=json.dumps(list(requests)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(f"the stacks.js judge failed:\n{result.stderr}")
    answers: list[Any] = json.loads(result.stdout)
    return answers
