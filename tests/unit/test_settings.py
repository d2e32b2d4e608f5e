"""Settings are decoded with every type checked: a wrong type for any key, a bad shape or an
unknown key is a usage error naming the key and what it takes; ``config show|set|path`` work
on the file in use, and every change is logged with its old and new value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.cli import main
from arbiter_app.errors import UsageError
from arbiter_app.store import log
from arbiter_app.store.db import open_store

# One wrong value per key: (key, value, words the message must hold).
WRONG = [
    ("network", "regtest", "'mainnet', 'testnet' or 'devnet'"),
    ("network", 1, "expected `str`"),
    ("stacks_api", "ftp://example.org", "http:// or https:// URL"),
    ("stacks_api", None, "expected `str`"),
    ("api_key", 12345, "expected `str | null`"),
    ("escrow_contract", "escrow-secure", "contract id ADDRESS.contract-name"),
    ("ipfs_rpc", ["/ip4/127.0.0.1/tcp/5001"], "expected `str | null`"),
    ("ipfs_gateways", "https://ipfs.io", "expected `array`, got `str`"),
    ("ipfs_gateways", ["https://ipfs.io", 7], "expected `str`"),
    ("ipfs_limits", 5, "expected `object`"),
    ("signer", "paper", "'ledger' or 'software'"),
    ("ledger", "usb", "'hid' or 'tcp:HOST:PORT'"),
    ("account", -1, ">= 0"),
    ("account", "0", "expected `int`, got `str`"),
    ("account", 2**31, "<= 2147483647"),
    ("keystore", False, "expected `str | null`"),
    ("sla_hours", 0, ">= 1"),
    ("sla_hours", 72.5, "expected `int`, got `float`"),
    ("min_rationale_chars", -5, ">= 0"),
    ("sync_workers", 0, ">= 1"),
    ("sync_workers", 9, "<= 8"),
    ("data_dir", 3, "expected `str`"),
]


@pytest.mark.parametrize(("key", "value", "words"), WRONG,
                         ids=[f"{k}={json.dumps(v)}" for k, v, _ in WRONG])
def test_a_wrong_type_or_shape_names_the_key_and_what_it_takes(
        key: str, value: Any, words: str) -> None:
    with pytest.raises(UsageError) as error:
        config.from_dict({key: value}, "settings.json")
    assert f"setting '{key}" in str(error.value) and words in str(error.value)
    assert error.value.exit_code == 2


@pytest.mark.parametrize(("data", "words"), [
    ({"netwrok": "mainnet"}, "unknown setting 'netwrok'"),
    ({"ipfs_limits": {"max_bytes": 1}}, "unknown setting 'max_bytes' in 'ipfs_limits'"),
    ({"ipfs_limits": {"max_blocks": 0}}, "'ipfs_limits.max_blocks': expected `int` >= 1"),
], ids=["unknown-key", "unknown-nested-key", "nested-limit-zero"])
def test_unknown_and_nested_keys_are_named(data: dict[str, Any], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        config.from_dict(data)


def test_a_software_signer_on_mainnet_is_refused() -> None:
    with pytest.raises(UsageError, match="devnet and testnet only"):
        config.from_dict({"network": "mainnet", "signer": "software"})


def test_a_settings_file_with_a_string_for_the_gateways_list_is_refused_at_the_cli(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"ipfs_gateways": "https://ipfs.io"}))
    assert main(["--config", str(path), "disputes"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"arbiter-app: {path}: setting 'ipfs_gateways': expected `array`, got `str`")


@pytest.mark.parametrize("network", ["devnet", "testnet", "mainnet"])
def test_the_readme_example_of_each_network_decodes(network: str) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    marker = f"Example ({network}):"
    start = readme.index("```json", readme.index(marker)) + len("```json")
    example = json.loads(readme[start:readme.index("```", start)])
    assert config.from_dict(example).network == network


def logged_changes(data_dir: Path) -> list[dict[str, Any]]:
    with open_store(data_dir / "cases.sqlite") as store:
        return [json.loads(e.body)["data"] for e in log.entries(store)
                if e.kind == "settings-changed"]


def test_config_set_checks_saves_and_logs_old_and_new(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config.default_config_path()
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    assert main(["config", "set", "sla_hours", "48"]) == 0
    assert main(["config", "set", "ipfs_gateways", '["https://ipfs.io"]']) == 0
    assert main(["config", "set", "ipfs_limits.max_blocks", "500"]) == 0
    assert main(["config", "set", "ipfs_limits", '{"max_depth": 16}']) == 0
    assert main(["config", "set", "api_key", "hunter2-secret"]) == 0
    assert main(["config", "set", "api_key", "12345"]) == 0  # not JSON of its type: a string
    saved = config.load(path)
    assert (saved.sla_hours, saved.ipfs_gateways, saved.ipfs_limits.max_blocks,
            saved.ipfs_limits.max_depth, saved.api_key) == (48, ("https://ipfs.io",), 500, 16,
                                                            "12345")
    changes = logged_changes(Path(saved.data_dir))
    assert {"key": "sla_hours", "old": 72, "new": 48} in changes
    assert {"key": "ipfs_gateways", "old": [], "new": ["https://ipfs.io"]} in changes
    assert {"key": "ipfs_limits.max_blocks", "old": 100000, "new": 500} in changes
    assert {"key": "api_key", "old": "(set)", "new": "(set)"} in changes
    assert "hunter2" not in json.dumps(changes)
    assert "hunter2" not in config.default_log_path().read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["sla_hours"] == 48 and shown["api_key"] == "(set)"


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "lines"])
def test_config_show_masks_every_secret(as_json: bool,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    config.save(config.Settings(api_key="hunter2-key", pinning_token="hunter2-token"),
                config.default_config_path())
    assert main(["config", "show", *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert out.count("(set)") == 2


@pytest.mark.parametrize(("argv", "words"), [
    (["sla_hours", "soon"], "setting 'sla_hours': expected `int`, got `str`"),
    (["ipfs_gateways", "https://ipfs.io"], "setting 'ipfs_gateways': expected `array`"),
    (["netwrok", "mainnet"], "unknown setting 'netwrok'"),
    (["ledger", "usb"], "expected 'hid' or 'tcp:HOST:PORT'"),
], ids=["int-given-text", "list-given-a-string", "unknown-key", "bad-device-address"])
def test_config_set_refuses_a_bad_value_with_exit_2_and_keeps_the_file(
        argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = config.default_config_path()
    config.save(config.Settings(sla_hours=24), path)
    before = path.read_bytes()
    assert main(["config", "set", *argv]) == 2
    assert words in capsys.readouterr().err
    assert path.read_bytes() == before
