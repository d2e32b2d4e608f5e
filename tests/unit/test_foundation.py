"""The foundation: error tree, exit codes, settings, progress, and the import direction."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import arbiter_app
from arbiter_app import config, errors
from arbiter_app.cli import main
from arbiter_app.progress import CancelToken, Progress, run_to_end


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UsageError("bad flag"), 2),
        (errors.InputError("bad hex"), 1),
        (errors.DecodeError("transaction", 7, "a payload type byte"), 1),
        (errors.LimitExceeded("block size", 3, 2), 1),
        (errors.VerificationError("hash mismatch"), 1),
        (errors.NetworkError("timed out", "http://127.0.0.1:1/v2/info"), 1),
        (errors.DeviceRejected("rejected on the device"), 1),
        (errors.StoreError("locked"), 1),
        (errors.PolicyError("not the arbiter"), 1),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_every_error_class_has_its_exit_code(error: errors.ArbiterError, code: int) -> None:
    assert isinstance(error, errors.ArbiterError)
    assert error.exit_code == code


def test_decode_error_names_offset_and_expectation() -> None:
    e = errors.DecodeError("clarity value", 12, "a type prefix byte")
    assert "byte 12" in str(e) and "a type prefix byte" in str(e)


def test_cancelled_is_not_a_failure() -> None:
    assert not issubclass(errors.Cancelled, errors.ArbiterError)


def test_settings_round_trip_and_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = config.Settings().replace(network="testnet", ipfs_gateways=("http://g",))
    config.save(settings, path)
    assert config.load(path) == settings
    path.write_text(json.dumps({"netwrok": "mainnet"}))
    with pytest.raises(errors.UsageError, match="netwrok"):
        config.load(path)


@pytest.mark.parametrize(
    "change",
    [{"network": "regtest"}, {"signer": "paper"}, {"ledger": "usb"}, {"account": -1}],
    ids=["unknown-network", "unknown-signer", "bad-ledger-address", "negative-account"],
)
def test_bad_settings_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(errors.UsageError):
        config.Settings().replace(**change)


def test_network_profiles_bind_chain_id_and_versions() -> None:
    assert config.MAINNET.chain_id == 0x00000001 and config.MAINNET.tx_version == 0x00
    assert config.TESTNET.chain_id == 0x80000000 and config.TESTNET.tx_version == 0x80
    assert config.DEVNET.single_sig_version == 26 and not config.DEVNET.mainnet


def test_progress_runner_and_cancel() -> None:
    token = CancelToken()

    def work():  # type: ignore[no-untyped-def]
        for i in range(3):
            token.check()
            yield Progress("step", i, 3)
        return "done"

    seen: list[Progress] = []
    assert run_to_end(work(), seen.append) == "done"
    assert [p.done for p in seen] == [0, 1, 2] and seen[1].fraction == pytest.approx(1 / 3)
    token.cancel()
    with pytest.raises(errors.Cancelled):
        run_to_end(work())


def test_cli_version_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and arbiter_app.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["no-such-command"])
    assert e.value.code == 2


QT_EXCEPTIONS = ("arbiter_app.__main__", "arbiter_app.records.pdf")


def test_no_command_opens_the_gui_with_global_options_kept() -> None:
    from arbiter_app.cli import parse

    args = parse(["--config", "/tmp/x.json"])
    assert args.command == "gui" and args.config == "/tmp/x.json"


def non_gui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(arbiter_app.__path__, "arbiter_app."):
        if info.name.startswith("arbiter_app.gui") or info.name in QT_EXCEPTIONS:
            continue
        names.append(info.name)
    return names


def test_nothing_outside_gui_loads_qt() -> None:
    """The core never imports Qt (records.pdf is the one exception)."""
    code = (
        "import importlib, sys\n"
        f"for name in {non_gui_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_nothing_imports_gui() -> None:
    root = Path(arbiter_app.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "gui" not in p.relative_to(root).parts
        and ("from arbiter_app.gui" in p.read_text() or "import arbiter_app.gui" in p.read_text())
        # the commands that open a window, and install-desktop, which draws the icons with Qt
        and p.relative_to(root).as_posix() not in ("cli/gui.py", "cli/demo.py", "cli/desktop.py")
    ]
    assert not offenders
