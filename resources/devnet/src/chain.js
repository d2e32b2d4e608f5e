// The devnet's chain: a clarinet-sdk simnet with the contracts deployed, plus what a node and
// the extended API keep around it — blocks with hashes and times, accepted transactions with
// their receipts, account nonces and the contract log index. Every state change goes through
// one queue. A transaction whose post-conditions fail must leave no effect, and the simnet has
// no rollback, so the chain keeps a replay log of what it applied and rebuilds a fresh simnet
// from it (the aborted transaction replays as its fee alone, so heights stay the same).
// Each transaction's block also carries the STX transfer of its fee.
//
// Block times follow the wall clock by default. A fixed clock ({genesis, interval}, set at
// start) gives block h the time genesis + h × interval and stamps mempool receipts with the
// next block's time, so two devnets fed the same transactions have the same chain data. A
// real chain's block times are whatever its miners say: this makes runs reproducible, never
// kinder.
import { createHash } from 'node:crypto';
import { getSDK, tx as simTx } from '@hirosystems/clarinet-sdk';
import { apiEvent, canonical, hexRepr } from './clarity.js';

const GENESIS_TIME_BACK_S = 3600;

// Fees go to the boot address, standing in for the block's miner.
export const FEE_RECIPIENT = 'ST000000000000000000002AMW42H';

function sha256Hex(text) { return `0x${createHash('sha256').update(text).digest('hex')}`; }

/** The fee transfer a mined transaction pays, in the same block as its call. */
function feeTx(sender, fee) { return simTx.transferSTX(Number(fee), FEE_RECIPIENT, sender); }

/** Replay one state-changing operation of the log on a fresh session. */
function replay(simnet, op) {
  if (op.kind === 'mine') simnet.mineEmptyBlocks(op.count);
  else if (op.kind === 'void') simnet.mineEmptyBlock();
  else if (op.kind === 'fee') simnet.mineBlock([feeTx(op.sender, op.fee)]);
  else if (op.kind === 'call') {
    simnet.mineBlock([simTx.callPublicFn(op.contract, op.fn, op.args, op.sender), feeTx(op.sender, op.fee)]);
  }
}

export class Chain {
  /**
   * @param {string} manifestPath Clarinet.toml @param {Map} accounts named accounts
   * @param {{genesis: number, interval: number} | null} clock fixed block times, in seconds
   */
  constructor(manifestPath, accounts, clock = null) {
    this.manifestPath = manifestPath;
    this.clock = clock;
    this.accounts = accounts;
    this.ops = [];
    this.txs = new Map();
    this.blocks = [];
    this.nonces = new Map();
    this.logs = [];
    this.mempool = [];
    this.queue = Promise.resolve();
    this.deployer = accounts.get('deployer').address;
  }

  /** Start the simnet and record the blocks of the deployment. */
  async init() {
    // one SDK per chain (not clarinet-sdk's shared one), so several chains can live in a process
    this.simnet = await getSDK();
    await this.simnet.initSession(process.cwd(), this.manifestPath);
    // the deployed contracts never change here, and reading their interfaces costs ~6 ms
    this.interfaces = this.simnet.getContractsInterfaces();
    const tip = this.simnet.stacksBlockHeight;
    const start = this.clock ? this.clock.genesis : Math.floor(Date.now() / 1000) - GENESIS_TIME_BACK_S;
    const step = this.clock ? this.clock.interval : 1;
    for (let h = 0; h <= tip; h++) this.pushBlock([], start + h * step);
    return this;
  }

  /** Run `fn` alone: every read and write of chain state is serialized here. */
  run(fn) {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => {});
    return next;
  }

  get tipHeight() { return this.blocks.length - 1; }
  get tip() { return this.blocks[this.blocks.length - 1]; }

  pushBlock(txids, time) {
    const height = this.blocks.length;
    const parent = height ? this.blocks[height - 1] : { hash: `0x${'00'.repeat(32)}`, index_hash: `0x${'00'.repeat(32)}` };
    const hash = sha256Hex(`${parent.hash}:${height}:${txids.join(',')}`);
    // a node's index block hash binds the block to its consensus hash; here, to the block hash
    const indexHash = sha256Hex(`index:${hash}`);
    const prevTime = height ? this.blocks[height - 1].time : time - 1;
    const block = { height, hash, index_hash: indexHash, parent_hash: parent.hash, parent_index_hash: parent.index_hash,
      time: Math.max(time, prevTime + 1), txids };
    this.blocks.push(block);
    return block;
  }

  /** The clock's reading: wall time, or with a fixed clock the next block's time. */
  clockTime() {
    return this.clock ? this.tip.time + this.clock.interval : Math.floor(Date.now() / 1000);
  }

  /** The chain clock: the clock's time, but never behind the last block. */
  now() { return Math.max(this.clockTime(), this.tip.time + 1); }

  /**
   * Mine empty blocks, advancing the chain clock by `secondsPerBlock` each, so that deadlines
   * (in blocks) and SLAs (in time) can pass on demand.
   */
  mine(count, secondsPerBlock = 600) {
    if (count < 1) return this.tipHeight;
    this.simnet.mineEmptyBlocks(count);
    this.ops.push({ kind: 'mine', count });
    for (let i = 0; i < count; i++) this.pushBlock([], this.tip.time + secondsPerBlock);
    this.checkHeight();
    return this.tipHeight;
  }

  checkHeight() {
    if (this.simnet.stacksBlockHeight !== this.tipHeight) {
      throw new Error(`chain index at ${this.tipHeight} but simnet at ${this.simnet.stacksBlockHeight}`);
    }
  }

  /** The next nonce from confirmed state (what /v2/accounts reports). */
  nextNonce(address) { return this.nonces.get(address) ?? 0; }

  /** The sender's transactions waiting in the mempool, in nonce order. */
  pendingOf(address) { return this.mempool.filter((c) => c.sender === address); }

  /**
   * Hold an admitted call in the mempool (status `pending`), replacing the one with the same
   * nonce when given (replace-by-fee: that one becomes `dropped_replace_by_fee`).
   */
  admit(call, replaces = null) {
    const record = { ...call, status: 'pending', block: null, result: null, events: [], vm_error: null,
      receipt_time: this.clockTime(), receipt_block_height: this.tipHeight };
    if (replaces) {
      this.mempool[this.mempool.indexOf(replaces)] = call;
      Object.assign(this.txs.get(replaces.txid), { status: 'dropped_replace_by_fee', replaced_by_tx_id: `0x${call.txid}` });
    } else {
      this.mempool.push(call);
    }
    this.txs.set(call.txid, record);
  }

  /**
   * Drop a pending transaction from the mempool without mining it, as a node's mempool
   * garbage collection does; the API then no longer knows it.
   * @returns {boolean} whether it was pending
   */
  drop(txid) {
    const call = this.mempool.find((c) => c.txid === txid);
    if (!call) return false;
    this.mempool.splice(this.mempool.indexOf(call), 1);
    this.txs.get(txid).status = 'dropped_stale_garbage_collect';
    return true;
  }

  /** Mine every pending transaction, each in its own block, in arrival order. */
  async flush() {
    while (this.mempool.length) await this.execute(this.mempool.shift());
  }

  /**
   * Execute a validated contract call in its own block and record the receipt.
   * @param {object} call {txid, contract, fn, args, sender, nonce, fee, tx, raw, checkPostConditions}
   * @returns {Promise<object>} the transaction record
   */
  async execute(call) {
    let result, events = [], vmError = null;
    try {
      // the call and its fee in one block, as a miner includes them
      const [r] = this.simnet.mineBlock([simTx.callPublicFn(call.contract, call.fn, call.args, call.sender),
        feeTx(call.sender, call.fee)]);
      result = canonical(r.result);
      events = r.events;
    } catch (e) {
      vmError = String(e.message ?? e).split('\n')[0];
    }
    let status = result?.type === 'ok' ? 'success' : 'abort_by_response';
    if (status !== 'success') events = []; // a node keeps no events of an aborted call
    let pcError = null;
    if (status === 'success' && call.checkPostConditions) {
      pcError = call.checkPostConditions(events);
      if (pcError) status = 'abort_by_post_condition';
    }
    if (pcError) {
      // the call's effects go, its fee stays: a node charges aborted transactions too
      await this.rebuild();
      this.simnet.mineBlock([feeTx(call.sender, call.fee)]);
      this.ops.push({ kind: 'fee', sender: call.sender, fee: call.fee });
      events = [];
    } else if (vmError !== null) {
      // a runtime error aborts the call with no effect; keep one block for it either way
      if (this.simnet.stacksBlockHeight === this.tipHeight) this.simnet.mineEmptyBlock();
      this.ops.push({ kind: 'void' });
    } else {
      this.ops.push({ kind: 'call', contract: call.contract, fn: call.fn, args: call.args, sender: call.sender, fee: call.fee });
    }
    this.nonces.set(call.sender, call.nonce + 1);
    const block = this.pushBlock([call.txid], this.now());
    this.checkHeight();
    const txid = `0x${call.txid}`;
    const record = {
      ...call, status, vm_error: vmError ?? pcError, block,
      result: result ? hexRepr(result) : null,
      events: events.map((ev, i) => apiEvent(ev, i)),
    };
    this.txs.set(call.txid, record);
    // the log index keeps each print's position (block, microblock 0, tx 0, event) for cursors
    for (const ev of record.events) {
      if (ev.type === 'contract_log') {
        this.logs.push({ tx_id: txid, event_index: ev.event_index, contract_log: ev.contract_log,
          position: [block.height, 0, 0, ev.event_index] });
      }
    }
    return record;
  }

  /** Rebuild the simnet from the replay log (drops the effects of the last call). */
  async rebuild() {
    await this.simnet.initSession(process.cwd(), this.manifestPath);
    for (const op of this.ops) replay(this.simnet, op);
  }

  /** Call a read-only function (no block is mined). */
  callReadOnly(contract, fn, args, sender) {
    return this.simnet.callReadOnlyFn(contract, fn, args, sender);
  }

  /** STX balance of a principal, in micro-STX. */
  stxBalance(principal) {
    return this.simnet.getAssetsMap().get('STX')?.get(principal) ?? 0n;
  }
}
