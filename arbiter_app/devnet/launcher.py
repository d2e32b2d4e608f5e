"""Start, watch and stop the devnet service (``resources/devnet``; docs/ARCHITECTURE.md §7).

:class:`Devnet` runs ``node src/main.js`` on a free loopback port in its own process group,
keeps its output in a log file, waits until ``/v2/info`` answers (failing fast, with the log,
if the process dies first), and on :meth:`Devnet.stop` ends the whole group so that no
process outlives it. It also wraps the loopback admin API: fault switches, mining and the
reset to the state the devnet had when it became ready.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import tomllib
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from arbiter_app.assets import asset
from arbiter_app.errors import ArbiterError

NODE_MAJOR = 20
READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 5.0
POLL_S = 0.02  # between readiness probes: a refused connect costs nothing
# V8 compiles the simnet's WebAssembly fast, then recompiles what ran enough with its
# optimizing compiler; at start that recompiles code run once (the boot contracts): ~2 s of
# CPU of a ~6 s start. A 100x budget leaves start-up unoptimized and still optimizes what
# runs hot for long (seeding 150 bench disputes took no more CPU).
WASM_TIERING = "--wasm-tiering-budget=180000000"
LOG_TAIL_CHARS = 4000
FAULT_SWITCHES = frozenset(
    {"delay_ms", "fail_next", "truncate_next", "path_prefix", "withhold_blocks", "lie_call_read",
     "reset_next", "drop_reply_next", "tip_lag", "freeze_tip", "fail_status", "retry_after",
     "lie_tx_status", "hold_txs"}
)


class DevnetError(ArbiterError):
    """The devnet could not be started, reached or controlled."""


def devnet_mnemonics() -> dict[str, str]:
    """Role → mnemonic of the devnet accounts (``resources/contracts/settings/Devnet.toml``).

    These are public test mnemonics: never use them for real funds.
    """
    with open(asset("contracts", "settings", "Devnet.toml"), "rb") as f:
        settings = tomllib.load(f)
    return {name: str(acc["mnemonic"]) for name, acc in settings["accounts"].items()}


def find_node() -> str:
    """The ``node`` executable, checked to be Node.js 20 or newer (what the devnet needs).

    :raises DevnetError: naming what is missing or too old
    """
    node = shutil.which("node")
    if node is None:
        raise DevnetError(
            f"the devnet needs Node.js {NODE_MAJOR} or newer, and node is not on PATH")
    found = subprocess.run([node, "--version"], capture_output=True, text=True,
                           timeout=30).stdout.strip()
    major = found.removeprefix("v").split(".")[0]
    if not major.isdigit() or int(major) < NODE_MAJOR:
        raise DevnetError(f"the devnet needs Node.js {NODE_MAJOR} or newer; {node} is {found!r}")
    return node


def service_dir() -> Path:
    """The devnet's Node project, checked to have its packages installed.

    :raises DevnetError: the packages are missing, naming the command that installs them
    """
    service = asset("devnet")
    if not (service / "node_modules").is_dir():
        raise DevnetError(
            f"the devnet's Node packages are not installed in {service}; install them with: "
            f"npm ci --omit=dev --prefix {shlex.quote(str(service))}"
        )
    return service


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
    except OSError:
        return "(no log)"


class Devnet:
    """A running devnet process.

    :ivar url: base URL (``http://127.0.0.1:PORT``)
    :ivar endpoints: ``stacks_api``, ``ipfs_rpc``, ``ipfs_gateway``, ``admin`` URLs
    :ivar accounts: role name → STX address (``deployer``, ``arbiter_1``, …)
    :ivar escrow_contract: contract id of ``escrow-secure``
    :ivar log_path: file holding the service's stdout and stderr
    """

    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self.info: dict[str, Any] = {}
        self.endpoints: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.escrow_contract = ""
        self._client = httpx.Client(base_url=url, timeout=30.0, trust_env=False)

    @classmethod
    def start(
        cls,
        port: int = 0,
        seed: bool = True,
        log_path: Path | None = None,
        timeout: float = READY_TIMEOUT_S,
        clock: tuple[int, int] | None = None,
    ) -> Devnet:
        """Start the service and wait until it answers.

        :param port: loopback port, or 0 for a free one
        :param seed: run the seed scenario before serving
        :param log_path: where to keep the service's output (default: a temporary file)
        :param timeout: seconds to wait for readiness
        :param clock: ``(genesis, interval)``: block ``h`` gets the time
            ``genesis + h * interval`` instead of the wall clock's, so two devnets given the
            same transactions hold the same chain data (``--clock``; docs/ARCHITECTURE.md §7)
        :returns: the running devnet
        :raises DevnetError: when node is missing, the process dies, or it never gets ready
        """
        node = find_node()
        service = service_dir()
        port = port or free_port()
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="arbiter-devnet-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        args = [node, WASM_TIERING, "src/main.js", "--port", str(port), "--host", "127.0.0.1"]
        if not seed:
            args.append("--no-seed")
        if clock is not None:
            args += ["--clock", f"{clock[0]}:{clock[1]}"]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                args,
                cwd=service,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as a whole by stop()
            )
        devnet = cls(process, f"http://127.0.0.1:{port}", log_path)
        try:
            devnet._wait_ready(timeout)
        except BaseException:
            devnet.stop()
            raise
        return devnet

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise DevnetError(
                    f"the devnet exited with status {self.process.returncode} before it was "
                    f"ready; its log ({self.log_path}) ends with:\n{_tail(self.log_path)}"
                )
            if self._answers():
                break
            if time.monotonic() > deadline:
                raise DevnetError(
                    f"the devnet was not ready after {timeout:.0f} s; its log ends with:\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(POLL_S)
        self.info = self._admin("GET", "info")
        self.endpoints = dict(self.info["endpoints"])
        self.accounts = dict(self.info["accounts"])
        self.escrow_contract = str(self.info["escrow_contract"])

    def _answers(self) -> bool:
        """Whether our process (not another server on the port) answers ``/v2/info``."""
        try:
            if self._client.get("/v2/info", timeout=1.0).status_code != 200:
                return False
            info = self._client.get("/admin/info", timeout=1.0).json()
        except (httpx.TransportError, ValueError):
            return False
        return isinstance(info, dict) and info.get("pid") == self.process.pid

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            r = self._client.request(method, f"/admin/{path}", json=body)
        except httpx.HTTPError as e:
            raise DevnetError(f"the devnet admin API did not answer: {e}") from e
        if r.status_code != 200:
            raise DevnetError(f"the devnet refused /admin/{path} ({r.status_code}): {r.text}")
        return r.json()

    def set_faults(self, **switches: Any) -> dict[str, Any]:
        """Turn fault switches on (see the contracts brief for their meaning).

        :param switches: ``delay_ms``, ``fail_next``, ``truncate_next``, ``path_prefix``,
            ``withhold_blocks`` (CIDs), ``lie_call_read`` (function name → Clarity hex);
            beyond the contract: ``reset_next`` (close the connection before handling the
            next N requests), ``drop_reply_next`` (handle them, then close without reply),
            ``tip_lag`` (``/v2/info`` reports the tip N blocks behind) and ``freeze_tip``
            (``/v2/info`` stops advancing), ``fail_status``/``retry_after`` (the status and
            ``Retry-After`` of the ``fail_next`` answers, e.g. 429) and ``lie_tx_status``
            (txid → the status the extended API reports instead), ``hold_txs`` (accepted
            transactions stay ``pending`` in the mempool until :meth:`mine`)
        :returns: the service's fault state
        :raises DevnetError: on an unknown switch or a refused request
        """
        unknown = set(switches) - FAULT_SWITCHES
        if unknown:
            raise DevnetError(f"unknown fault switch(es): {', '.join(sorted(unknown))}")
        result: dict[str, Any] = self._admin("POST", "faults", switches)
        return result

    def reset_faults(self) -> None:
        """Turn every fault switch off."""
        self._admin("POST", "faults/reset")

    def reset(self) -> int:
        """Put the whole devnet back in the state it had when it became ready: chain,
        mempool, IPFS blocks and pins, pin requests; every fault switch off.

        :returns: the tip height after the reset
        """
        return int(self._admin("POST", "reset")["stacks_tip_height"])

    def drop_transaction(self, txid: str) -> None:
        """Take a pending transaction out of the mempool unmined (``hold_txs`` must be on),
        as a node's mempool garbage collection does; the API then answers 404 for it.

        :raises DevnetError: it is not pending
        """
        self._admin("POST", "drop", {"tx_id": f"0x{txid.removeprefix('0x')}"})

    def mine(self, blocks: int = 1, seconds_per_block: int = 600) -> int:
        """Mine pending transactions (one block each), then ``blocks`` empty blocks;
        deadlines in blocks and SLA clocks in time both advance.

        :returns: the new tip height
        """
        body = {"blocks": blocks, "seconds_per_block": seconds_per_block}
        result = self._admin("POST", "mine", body)
        return int(result["stacks_tip_height"])

    def seed_summary(self) -> dict[str, Any]:
        """What the seed scenario created: invoices, disputes, files and special cases."""
        result: dict[str, Any] = self._admin("GET", "seed")
        return result

    def govern(self, action: str, admin: str = "admin_1", **fields: Any) -> dict[str, Any]:
        """Have a devnet admin sign and mine a governance call (``propose-pause``,
        ``approve-pause``, ``unpause``, ``whitelist-token``, ``remove-token-from-whitelist``).

        :param fields: ``action_id`` or ``token`` where the call takes one
        :returns: ``{txid, status, result}`` of the transaction
        """
        result: dict[str, Any] = self._admin(
            "POST", "governance", {"action": action, "admin": admin, **fields})
        return result

    def invoice(self, invoice_id: int, payer: str, payee: str, arbiter: str, *,
                amount: int = 100_000, stage: str = "open") -> dict[str, Any]:
        """Have the devnet create invoice ``invoice_id`` between named accounts (signed by
        the payer) and take it to ``stage``: ``open``, ``funded`` or ``disputed``."""
        result: dict[str, Any] = self._admin("POST", "invoice", {
            "id": invoice_id, "payer": payer, "payee": payee, "arbiter": arbiter,
            "amount": amount, "stage": stage})
        return result

    def token(self, action: str, owner: str, amount: int) -> dict[str, Any]:
        """Have the deployer ``mint`` or ``burn`` ``amount`` of mock sBTC of ``owner``
        (``escrow``, an account name or a principal) in a mined transaction."""
        result: dict[str, Any] = self._admin("POST", "token", {
            "action": action, "owner": owner, "amount": amount})
        return result

    def seed_bench(self, disputes: int) -> dict[str, Any]:
        """Create ``disputes`` more disputes for ``arbiter_1`` (for the sync benchmark)."""
        result: dict[str, Any] = self._admin("POST", "seed-bench", {"disputes": disputes})
        return result

    @property
    def pid(self) -> int:
        """Process id of the service (also its process group id)."""
        return self.process.pid

    def stop(self) -> None:
        """End the service's whole process group; safe to call twice."""
        self._client.close()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # a child the service may have left behind still belongs to the group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def __enter__(self) -> Devnet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
