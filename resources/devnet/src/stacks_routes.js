// The Stacks API subset of DESIGN section 6 in the shapes of the node RPC (/v2) and Hiro's
// extended API (/extended), reference/stacks.md 7. The deprecated v1 extended routes answer
// 410 Gone, as a server with deprecated endpoints switched off does.
import { hexToCV, cvToHex } from '@stacks/transactions';
import { HttpError, json, readBody } from './http.js';
import { broadcast, Rejection, modeName, postConditionsJson } from './broadcast.js';
import { canonical, hexRepr } from './clarity.js';

const PRINCIPAL = '(S[A-Z0-9]{28,40}(?:\\.[a-zA-Z][a-zA-Z0-9-]{0,39})?)';
const CONTRACT = '(S[A-Z0-9]{28,40})\\.([a-zA-Z][a-zA-Z0-9-]{0,39})';
const LOG_LIMIT_MAX = 100;

function u128Hex(n) { return '0x' + n.toString(16).padStart(32, '0'); }

function info(chain, faults) {
  const shown = faults.frozenTip ?? chain.tipHeight - faults.tipLag;
  const tip = chain.blocks[Math.max(0, Math.min(chain.tipHeight, shown))];
  return {
    peer_version: 4207599116, pox_consensus: tip.hash.slice(2, 42),
    burn_block_height: tip.height, stable_pox_consensus: tip.hash.slice(2, 42),
    stable_burn_block_height: Math.max(0, tip.height - 1), server_version: 'stacks-node 3.1.0.0.0 (arbiter devnet, clarinet-sdk simnet)',
    network_id: 2147483648, parent_network_id: 3669344250,
    stacks_tip_height: tip.height, stacks_tip: tip.hash.slice(2), stacks_tip_consensus_hash: tip.hash.slice(2, 42),
    genesis_chainstate_hash: chain.blocks[0].hash.slice(2), unanchored_tip: null, unanchored_seq: null,
    tenure_height: tip.height, exit_at_block_height: null, is_fully_synced: true,
    node_public_key: null, node_public_key_hash: null, last_pox_anchor: { anchor_block_hash: null, anchor_block_txid: null },
    stackerdbs: [],
  };
}

function pox(chain) {
  const h = chain.tipHeight;
  return {
    contract_id: 'ST000000000000000000002AMW42H.pox-4', pox_activation_threshold_ustx: 0,
    first_burnchain_block_height: 0, current_burnchain_block_height: h, prepare_phase_block_length: 1,
    reward_phase_block_length: 4, reward_slots: 8, rejection_fraction: null, total_liquid_supply_ustx: 0,
    current_cycle: { id: Math.floor(h / 5), min_threshold_ustx: 0, stacked_ustx: 0, is_pox_active: false },
    next_cycle: { id: Math.floor(h / 5) + 1, min_threshold_ustx: 0, stacked_ustx: 0 },
    epochs: [{ epoch_id: 'Epoch31', start_height: 0, end_height: 9223372036854775807, network_epoch: 11,
      block_limit: { write_length: 15000000, write_count: 15000, read_length: 100000000, read_count: 15000, runtime: 5000000000 } }],
    min_amount_ustx: 0, prepare_cycle_length: 1, reward_cycle_id: Math.floor(h / 5), reward_cycle_length: 5,
    rejection_votes_left_required: null, next_reward_cycle_in: 5 - (h % 5), contract_versions: [],
  };
}

async function jsonBody(req) {
  const raw = await readBody(req);
  try { return JSON.parse(raw.toString('utf8') || 'null'); } catch {
    throw new HttpError(400, 'Failed to parse JSON body');
  }
}

async function callRead(chain, faults, req, m) {
  const body = await jsonBody(req);
  const fn = m[3];
  if (!body || typeof body.sender !== 'string' || !Array.isArray(body.arguments)) {
    throw new HttpError(400, 'Bad request body: expected {"sender": ..., "arguments": [...]}');
  }
  if (Object.hasOwn(faults.lieCallRead, fn)) return json({ okay: true, result: faults.lieCallRead[fn] });
  let args;
  try { args = body.arguments.map((h) => hexToCV(h)); } catch (e) {
    throw new HttpError(400, `Failed to deserialize argument: ${e.message}`);
  }
  const contract = `${m[1]}.${m[2]}`;
  return chain.run(() => {
    const iface = chain.interfaces.get(contract);
    if (!iface) return json({ okay: false, cause: `Unchecked(NoSuchContract("${contract}"))` });
    const def = iface.functions.find((f) => f.name === fn);
    if (!def) return json({ okay: false, cause: `Unchecked(UndefinedFunction("${fn}"))` });
    if (def.access !== 'read_only') return json({ okay: false, cause: 'NotReadOnly' });
    if (def.args.length !== args.length) {
      return json({ okay: false, cause: `Unchecked(IncorrectArgumentCount(${def.args.length}, ${args.length}))` });
    }
    try {
      const r = chain.callReadOnly(contract, fn, args, body.sender);
      return json({ okay: true, result: cvToHex(canonical(r.result)) });
    } catch (e) {
      return json({ okay: false, cause: String(e.message ?? e).split('\n')[0] });
    }
  });
}

async function postTransaction(chain, req) {
  const raw = await readBody(req);
  let bytes = raw;
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try { bytes = Buffer.from(JSON.parse(raw.toString('utf8')).tx.replace(/^0x/, ''), 'hex'); } catch {
      throw new HttpError(400, 'Failed to parse JSON body');
    }
  }
  try {
    return json(await broadcast(chain, new Uint8Array(bytes)));
  } catch (e) {
    if (e instanceof Rejection) return json(e.body(), 400);
    throw e;
  }
}

/** The extended API's transaction object: v3 fields and the v1 names clients know. */
export function txJson(rec) {
  const common = {
    tx_id: `0x${rec.txid}`, tx_type: 'contract_call', type: 'contract_call', nonce: rec.nonce,
    fee_rate: String(rec.fee), fee: String(rec.fee), sender_address: rec.sender, sender: { address: rec.sender, nonce: rec.nonce },
    sponsored: false, sponsor: null, post_condition_mode: modeName(rec.tx), post_conditions: postConditionsJson(rec.tx),
    anchor_mode: 'any', tx_status: rec.status, status: rec.status,
    contract_call: {
      contract_id: rec.contract, function_name: rec.fn,
      function_args: rec.args.map((a, i) => ({ ...hexRepr(a), name: `arg${i}`, type: a.type })),
    },
  };
  if (!rec.block) {
    // a mempool transaction (pending, or dropped when replaced by fee)
    return { ...common, receipt_time: rec.receipt_time, receipt_time_iso: iso(rec.receipt_time),
      replaced_by_tx_id: rec.replaced_by_tx_id ?? null, block: null, result: null, events: [], event_count: 0 };
  }
  const b = rec.block;
  return {
    ...common, is_unanchored: false, canonical: true, tx_index: 0,
    block_hash: b.hash, block_height: b.height, block_time: b.time, block_time_iso: iso(b.time),
    parent_block_hash: b.parent_hash, burn_block_height: b.height, burn_block_time: b.time, burn_block_time_iso: iso(b.time),
    block: { hash: b.hash, height: b.height, time: b.time },
    bitcoin_block: { height: b.height, time: b.time },
    parent_block: { hash: b.parent_hash, height: b.height - 1 },
    tx_result: rec.result, result: rec.result,
    vm_error: rec.vm_error, event_count: rec.events.length, events: rec.events,
    execution_cost_read_count: 0, execution_cost_read_length: 0, execution_cost_runtime: 0,
    execution_cost_write_count: 0, execution_cost_write_length: 0,
    execution_cost: { read_count: 0, read_length: 0, runtime: 0, write_count: 0, write_length: 0 },
  };
}

function iso(seconds) { return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'); }

function getTransaction(chain, m) {
  const id = m[1].toLowerCase().replace(/^0x/, '');
  const rec = chain.txs.get(id);
  if (!rec) throw new HttpError(404, { error: `could not find transaction by ID 0x${id}`, statusCode: 404, message: 'Not Found' });
  return rec;
}

function intParam(url, name, dflt, max) {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, { error: `'${name}' must be a non-negative integer` });
  if (max !== undefined && n > max) throw new HttpError(400, { error: `'${name}' must be equal to or less than ${max}` });
  return n;
}

/** Contract logs, newest first, with offset or cursor paging (cursor = `height:event_index`). */
function contractLogs(chain, m, url) {
  const contract = `${m[1]}.${m[2]}`;
  const limit = intParam(url, 'limit', 20, LOG_LIMIT_MAX);
  let offset = intParam(url, 'offset', 0);
  const all = chain.logs.filter((l) => l.contract_log.contract_id === contract).reverse();
  const key = (l) => `${l.block_height}:${l.event_index}`;
  const cursor = url.searchParams.get('cursor');
  if (cursor) {
    const at = all.findIndex((l) => key(l) === cursor);
    if (at < 0) throw new HttpError(400, { error: `cursor ${cursor} not found` });
    offset = at;
  }
  const page = all.slice(offset, offset + limit);
  const results = page.map(({ tx_index, ...l }) => ({ ...l, tx_index }));
  return json({
    limit, offset, total: all.length,
    cursor: page.length ? key(page[0]) : null,
    next_cursor: offset + limit < all.length ? key(all[offset + limit]) : null,
    prev_cursor: offset > 0 ? key(all[Math.max(0, offset - limit)]) : null,
    results,
  });
}

function nonces(chain, m) {
  const confirmed = chain.nextNonce(m[1]);
  const pending = chain.pendingOf(m[1]).map((c) => c.nonce);
  return json({ next_nonce: confirmed + pending.length, last_confirmed_nonce: confirmed > 0 ? confirmed - 1 : null,
    mempool: { last_nonce: pending.length ? Math.max(...pending) : null, pending_nonces: pending, missing_nonces: [] } });
}

async function feeEstimate(req) {
  const body = await jsonBody(req);
  if (!body || typeof body.transaction_payload !== 'string') {
    throw new HttpError(400, { error: 'Estimation could not be performed', reason: 'NoEstimateAvailable', reason_data: { message: 'transaction_payload is required' } });
  }
  const payloadLen = body.transaction_payload.replace(/^0x/, '').length / 2;
  const len = Math.max(Number(body.estimated_len ?? 0), payloadLen);
  const cost = { read_count: 8, read_length: 20000, runtime: 200000, write_count: 4, write_length: 600 };
  return json({ estimated_cost: cost, estimated_cost_scalar: 10, cost_scalar_change_by_byte: 0.00476837158203125,
    estimations: [1, 2, 3].map((k) => ({ fee_rate: k, fee: len * k })) });
}

/** Register the Stacks routes. */
export function stacksRoutes(router, chain, faults) {
  faults.currentTip = () => chain.tipHeight;
  router
    .add('GET', /^\/v2\/info$/, () => chain.run(() => json(info(chain, faults))))
    .add('GET', /^\/v2\/pox$/, () => chain.run(() => json(pox(chain))))
    .add('GET', new RegExp(`^/v2/accounts/${PRINCIPAL}$`), (req, m, url) => chain.run(() => {
      const out = { balance: u128Hex(chain.stxBalance(m[1])), locked: u128Hex(0n), unlock_height: 0, nonce: chain.nextNonce(m[1]) };
      if (url.searchParams.get('proof') !== '0') Object.assign(out, { balance_proof: '', nonce_proof: '' });
      return json(out);
    }))
    .add('POST', new RegExp(`^/v2/contracts/call-read/(S[A-Z0-9]{28,40})/([a-zA-Z][a-zA-Z0-9-]{0,39})/([a-zA-Z0-9?!_-]+)$`), (req, m) => callRead(chain, faults, req, m))
    .add('POST', /^\/v2\/transactions$/, (req) => postTransaction(chain, req))
    .add('POST', /^\/v2\/fees\/transaction$/, (req) => feeEstimate(req))
    .add('GET', /^\/v2\/fees\/transfer$/, () => json(1))
    .add('GET', new RegExp(`^/extended/v2/smart-contracts/${CONTRACT}/logs$`), (req, m, url) => chain.run(() => contractLogs(chain, m, url)))
    .add('GET', /^\/extended\/v3\/transactions\/(0x[0-9a-fA-F]{64}|[0-9a-fA-F]{64})$/, (req, m) => chain.run(() => {
      const out = txJson(getTransaction(chain, m));
      const lie = faults.lieTxStatus[out.tx_id.slice(2)];
      if (lie) Object.assign(out, { tx_status: lie, status: lie });
      return json(out);
    }))
    .add('GET', /^\/extended\/v3\/transactions\/(0x[0-9a-fA-F]{64}|[0-9a-fA-F]{64})\/events$/, (req, m, url) => chain.run(() => {
      const events = getTransaction(chain, m).events;
      const limit = intParam(url, 'limit', 20, 100);
      const offset = intParam(url, 'offset', 0);
      return json({ limit, offset, total: events.length, results: events.slice(offset, offset + limit) });
    }))
    .add('GET', new RegExp(`^/extended/v3/principals/${PRINCIPAL}/nonces$`), (req, m) => chain.run(() => nonces(chain, m)))
    .add('GET', /^\/extended\/v1\//, () => json({ error: 'Gone', message: 'This endpoint has been disabled. Use the v2/v3 endpoints instead.' }, 410))
    .add('POST', /^\/extended\/v1\//, () => json({ error: 'Gone', message: 'This endpoint has been disabled. Use the v2/v3 endpoints instead.' }, 410));
  return router;
}
