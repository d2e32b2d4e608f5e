"""Changing the settings: decode the new value with its type checked, replace the file
atomically, then log every changed key as a ``settings-changed`` decision-log entry.

Used by ``arbiter-app config set`` and by the GUI's settings dialog and first-run page, so a
change is checked and logged the same way from both; the first-run page also reads the
signer's address through :func:`signer_address`. Secrets (the API key) are logged as
``"(set)"`` or ``null``, never as their value.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arbiter_app import config
from arbiter_app.errors import UsageError
from arbiter_app.progress import Progress
from arbiter_app.store.db import open_store
from arbiter_app.store.execution import record_settings_change
from arbiter_app.wallet.configured import signer_from_settings

if TYPE_CHECKING:
    from arbiter_app.wallet.signer import DevicePrompt

def differences(old: config.Settings | None, new: config.Settings
                ) -> dict[str, tuple[Any, Any]]:
    """Old and new value (secrets masked) of each key that differs.

    :param old: the settings before, or ``None`` when there were none (every key is new)
    """
    before, after = ({} if old is None else config.flat(old)), config.flat(new)
    return {k: (config.masked(k, before.get(k)), config.masked(k, after[k]))
            for k in after if k not in before or before[k] != after[k]}


def with_value(settings: config.Settings, key: str, text: str) -> config.Settings:
    """``settings`` with ``key`` set from its command-line text.

    The text is read as JSON when it is JSON of the key's type (``48``, ``null``,
    ``["https://…"]``), otherwise as a plain string.

    :raises UsageError: unknown key, or a value that is not what the key takes
    """
    if key not in config.flat(settings) and key not in config.to_dict(settings):
        raise UsageError(f"unknown setting {key!r}; 'arbiter-app config show' lists them")
    candidates: list[Any] = [text]
    with contextlib.suppress(ValueError):
        candidates.insert(0, json.loads(text))
    first: UsageError | None = None
    for value in candidates:
        try:
            return _set(settings, key, value)
        except UsageError as e:
            first = first or e
    assert first is not None
    raise first


def _set(settings: config.Settings, key: str, value: Any) -> config.Settings:
    data = config.to_dict(settings)
    outer, _, inner = key.partition(".")
    if inner:
        data[outer] = {**data[outer], inner: value}
    elif isinstance(value, dict) and isinstance(data[outer], dict):
        data[outer] = {**data[outer], **value}  # the limits not named keep their values
    else:
        data[outer] = value
    return config.from_dict(data, "config set")


def save(new: config.Settings, path: Path, *, now: int | None = None
         ) -> dict[str, tuple[Any, Any]]:
    """Write ``new`` to ``path`` (atomic replace), then log what changed in the case store.

    :returns: the changes logged (old and new value by key, secrets masked)
    """

    try:
        old: config.Settings | None = config.load(path)  # the defaults when there is no file
    except UsageError:
        old = None  # a broken file is being replaced: every key is logged as new
    config.save(new, path)
    changes = differences(old, new)
    if changes:
        with open_store(Path(new.data_dir) / "cases.sqlite") as store:
            record_settings_change(store, changes, now=int(time.time()) if now is None else now)
    return changes


def signer_address(settings: config.Settings, prompt: DevicePrompt | None = None
                   ) -> Generator[Progress, None, str]:
    """Read the address of the signer ``settings`` name (the first-run page shows it); with
    ``prompt``, the Ledger also shows it on its screen for the user to confirm.

    :raises DeviceError: the device cannot be reached, is locked, or the user refused
    """

    yield Progress("reading the address from the signer", 0, None)
    signer = signer_from_settings(settings)
    try:
        if prompt is not None:
            confirm = getattr(signer, "confirm_address", None)
            if confirm is not None:
                confirm(prompt)
        return signer.address()
    finally:
        closer = getattr(signer, "close", None)
        if callable(closer):
            closer()
