// Hiro's extended API, the current routes only, in the shapes of stacks-blockchain-api's own
// schemas and serializers (docs/stacks-api.md): contract logs (/extended/v2), transactions and
// their events, principal nonces and principal transactions (/extended/v3). Nothing more than
// the real API sends: no v1 fields, no block data on logs, heavy transaction fields only when
// `?include=` asks. The deprecated v1 routes answer 410 Gone, as a server with them switched
// off does.
import { HttpError, json } from './http.js';
import { postConditionsJson } from './broadcast.js';
import { hexRepr } from './clarity.js';

const CONTRACT = '(S[A-Z0-9]{28,40})\\.([a-zA-Z][a-zA-Z0-9-]{0,39})';
const PRINCIPAL = '(S[A-Z0-9]{28,40}(?:\\.[a-zA-Z][a-zA-Z0-9-]{0,39})?)';
const TXID = '(0x[0-9a-fA-F]{64}|[0-9a-fA-F]{64})';
const EVENT_LIMIT = { dflt: 20, max: 100 };
const INCLUDES = ['function_args', 'source_code', 'post_conditions', 'result'];
const GONE = { error: 'Gone', message: 'This endpoint has been disabled. Use the v2/v3 endpoints instead.' };

/** The API's error body (its Fastify error handler): statusCode, error name, message. */
function failure(status, message) {
  const names = { 400: 'Bad Request', 404: 'Not Found' };
  return new HttpError(status, { statusCode: status, error: names[status], message });
}

function intParam(url, name, { dflt, max, min = 0 }) {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n)) throw failure(400, `querystring/${name} must be integer`);
  if (n < min) throw failure(400, `querystring/${name} must be >= ${min}`);
  if (max !== undefined && n > max) throw failure(400, `querystring/${name} must be <= ${max}`);
  return n;
}

/** `?include=a&include=b` or `?include=a,b`; unknown names are a 400, as the schema says. */
function includes(url) {
  const names = url.searchParams.getAll('include').flatMap((v) => v.split(','));
  for (const n of names) {
    if (!INCLUDES.includes(n)) throw failure(400, 'querystring/include/0 must be equal to one of the allowed values');
  }
  if (new Set(names).size !== names.length) throw failure(400, 'querystring/include must NOT have duplicate items');
  return new Set(names);
}

function contractCall(rec, include) {
  const out = { contract_id: rec.contract, function_name: rec.fn };
  if (include.has('function_args')) out.function_args = rec.args.map(hexRepr);
  return out;
}

/** A mined transaction (the TransactionSchema's contract_call member). */
function minedJson(rec, include) {
  const b = rec.block;
  const out = {
    tx_id: `0x${rec.txid}`, sender: { address: rec.sender, nonce: rec.nonce }, sponsor: null,
    fee_rate: String(rec.fee),
    block: { height: b.height, hash: b.hash, index_hash: b.index_hash, time: b.time, tx_index: 0 },
    bitcoin_block: { height: b.height, time: b.time },
    status: rec.status, type: 'contract_call', contract_call: contractCall(rec, include),
    parent_block: { hash: b.parent_hash, index_hash: b.parent_index_hash },
    event_count: rec.events.length,
    execution_cost: { read_count: 0, read_length: 0, runtime: 0, write_count: 0, write_length: 0 },
    vm_error: rec.vm_error,
  };
  if (include.has('post_conditions')) out.post_conditions = postConditionsJson(rec.tx);
  if (include.has('result')) out.result = rec.result;
  return out;
}

/** A mempool transaction: pending, or dropped (the MempoolTransactionSchema). */
function mempoolJson(rec, include) {
  const out = {
    tx_id: `0x${rec.txid}`, sender: { address: rec.sender, nonce: rec.nonce }, sponsor: null,
    fee_rate: String(rec.fee), receipt_time: rec.receipt_time, receipt_block_height: rec.receipt_block_height,
    status: rec.status, type: 'contract_call', contract_call: contractCall(rec, include),
    replaced_by_tx_id: rec.replaced_by_tx_id ?? null,
  };
  if (include.has('post_conditions')) out.post_conditions = postConditionsJson(rec.tx);
  return out;
}

/**
 * `GET /extended/v3/transactions/{tx_id}`: mined or mempool shape, heavy fields on request.
 * @param {object} rec the chain's transaction record
 * @param {Set<string>} include the `?include=` names
 */
export function txJson(rec, include = new Set()) {
  return rec.block ? minedJson(rec, include) : mempoolJson(rec, include);
}

function transaction(chain, m) {
  return chain.txs.get(m[1].toLowerCase().replace(/^0x/, ''));
}

function getTransaction(chain, faults, m, url) {
  const include = includes(url);
  const rec = transaction(chain, m);
  // the API reads mempool rows only while not pruned, and dropping one prunes it
  if (!rec || rec.status.startsWith('dropped_')) throw failure(404, 'Transaction not found');
  const lie = faults.lieTxStatus[rec.txid];
  return json(txJson(lie ? { ...rec, status: lie } : rec, include));
}

/** `GET /extended/v3/transactions/{tx_id}/events`: event_index cursor, ascending. */
function transactionEvents(chain, m, url) {
  const limit = intParam(url, 'limit', { ...EVENT_LIMIT, min: 1 });
  const raw = url.searchParams.get('cursor');
  if (raw !== null && !/^[0-9]+$/.test(raw)) throw failure(400, 'querystring/cursor must match pattern "^[0-9]+$"');
  const rec = transaction(chain, m);
  if (!rec?.block) throw failure(400, 'Transaction not found');
  const from = raw === null ? 0 : Number(raw);
  const after = rec.events.filter((e) => e.event_index >= from);
  const results = after.slice(0, limit);
  const first = results[0];
  return json({
    total: rec.events.length, limit,
    cursor: {
      next: after.length > limit ? String(after[limit].event_index) : null,
      previous: first && first.event_index > 0 ? String(Math.max(first.event_index - limit, 0)) : null,
      current: first ? String(first.event_index) : null,
    },
    results,
  });
}

/** Order of two log positions (block_height, microblock_sequence, tx_index, event_index). */
function compare(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function parseCursor(raw) {
  if (!/^[0-9]+:[0-9]+:[0-9]+:[0-9]+$/.test(raw)) {
    throw failure(400, 'querystring/cursor must match pattern "^[0-9]+:[0-9]+:[0-9]+:[0-9]+$"');
  }
  return raw.split(':').map(Number);
}

/**
 * `GET /extended/v2/smart-contracts/{id}/logs`, newest first. A cursor
 * (`block_height:microblock_sequence:tx_index:event_index`) starts the page at the newest log
 * at or before it, then `offset` skips; `prev_cursor` leads to older logs, `next_cursor` to
 * newer ones; a cursor with no log at or before it is a 404.
 */
function contractLogs(chain, m, url) {
  const contract = `${m[1]}.${m[2]}`;
  const limit = intParam(url, 'limit', { ...EVENT_LIMIT, min: 1 });
  const offset = intParam(url, 'offset', { dflt: 0, max: EVENT_LIMIT.max * 10 });
  const raw = url.searchParams.get('cursor');
  const all = chain.logs.filter((l) => l.contract_log.contract_id === contract).reverse();
  let start = 0;
  if (raw !== null) {
    const at = parseCursor(raw);
    start = all.findIndex((l) => compare(l.position, at) <= 0);
    if (start < 0) throw failure(404, 'Cursor not found');
  }
  const top = start + offset;
  const page = all.slice(top, top + limit);
  if (raw !== null && !page.length) throw failure(404, 'Cursor not found');
  const key = (i) => (i >= 0 && i < all.length ? all[i].position.join(':') : null);
  return json({
    limit, offset, total: all.length,
    next_cursor: page.length ? key(top - limit) : null,
    prev_cursor: page.length ? key(top + limit) : null,
    cursor: page.length ? key(top) : null,
    results: page.map((l) => ({ event_index: l.event_index, event_type: 'smart_contract_log', tx_id: l.tx_id,
      contract_log: l.contract_log })),
  });
}

/**
 * `GET /extended/v3/principals/{p}/nonces`, computed as the API does: the next nonce follows
 * the highest confirmed or pending one; `pending_nonces` and `missing_nonces` list only the
 * nonces strictly between the last confirmed and the last pending one (highest first), and
 * only when both exist.
 */
function nonces(chain, m) {
  const confirmed = chain.nextNonce(m[1]) - 1;
  const pending = chain.pendingOf(m[1]).map((c) => c.nonce);
  const lastConfirmed = confirmed >= 0 ? confirmed : null;
  const lastPending = pending.length ? Math.max(...pending) : null;
  const highest = Math.max(lastConfirmed ?? -1, lastPending ?? -1);
  const between = [];
  if (lastConfirmed !== null && lastPending !== null) {
    for (let n = lastPending - 1; n > lastConfirmed; n--) between.push(n);
  }
  return json({ next_nonce: highest + 1, last_confirmed_nonce: lastConfirmed,
    mempool: { last_nonce: lastPending, pending_nonces: between.filter((n) => pending.includes(n)),
      missing_nonces: between.filter((n) => !pending.includes(n)) } });
}

const TX_LIMIT = { dflt: 20, max: 50 };
const I32_MAX = 2147483647;
const MAX_TX_INDEX = 2147483647;

/**
 * Every principal a mined transaction touches, as the API's principal index records it: its
 * fee payer (STX sent: the fee), the contract it calls, and each asset event's sender and
 * recipient, with the balances each event affects.
 */
function touched(rec) {
  const found = new Map();
  const add = (p, kind, sent = 0n, received = 0n) => {
    const t = found.get(p) ?? { stx: false, ft: false, nft: false, sent: 0n, received: 0n };
    if (kind) t[kind] = true;
    t.sent += sent;
    t.received += received;
    found.set(p, t);
  };
  add(rec.contract, null);
  add(rec.sender, 'stx', BigInt(rec.fee));
  for (const ev of rec.events) {
    const kind = { stx_asset: 'stx', ft_asset: 'ft', nft_asset: 'nft' }[ev.type];
    if (!kind) continue;
    const body = ev[ev.type];
    const amount = kind === 'stx' ? BigInt(body.amount) : 0n;
    if (body.sender) add(body.sender, kind, amount, 0n);
    if (body.recipient) add(body.recipient, kind, 0n, amount);
  }
  return found;
}

/** The summary of a mined transaction (the TransactionSummarySchema's contract_call member). */
function summaryJson(rec) {
  const b = rec.block;
  return {
    tx_id: `0x${rec.txid}`, sender: { address: rec.sender, nonce: rec.nonce }, sponsor: null,
    fee_rate: String(rec.fee),
    block: { height: b.height, hash: b.hash, index_hash: b.index_hash, time: b.time, tx_index: 0 },
    bitcoin_block: { height: b.height, time: b.time },
    status: rec.status, type: 'contract_call',
    contract_call: { contract_id: rec.contract, function_name: rec.fn },
  };
}

/** A principal's mined transactions, newest first (cached until the next block). */
function principalTxs(chain, principal) {
  const cache = chain.principalTxCache ?? (chain.principalTxCache = new Map());
  const hit = cache.get(principal);
  if (hit && hit.blocks === chain.blocks.length) return hit.list;
  const list = [];
  for (const rec of chain.txs.values()) {
    if (!rec.block) continue;
    const t = touched(rec).get(principal);
    if (t) list.push({ rec, t, position: [rec.block.height, 0, 0] });
  }
  list.sort((a, b) => compare(b.position, a.position));
  cache.set(principal, { blocks: chain.blocks.length, list });
  return list;
}

/** A transaction cursor as the API resolves it: `H:0:0` that names no transaction means all of block H. */
function txCursor(raw, list) {
  if (!/^[0-9]+:[0-9]+:[0-9]+$/.test(raw)) {
    throw failure(400, 'querystring/cursor must match pattern "^[0-9]+:[0-9]+:[0-9]+$"');
  }
  const at = raw.split(':').map(Number);
  if (at[1] !== 0 || at[2] !== 0 || list.some((e) => compare(e.position, at) === 0)) return at;
  return [at[0], I32_MAX, MAX_TX_INDEX];
}

/**
 * `GET /extended/v3/principals/{p}/transactions`: the principal's confirmed transactions,
 * newest first, `limit` 1–50; the cursor `block_height:microblock_sequence:tx_index` starts
 * the page at or before it; `cursor.next` leads to older transactions, `cursor.previous` to
 * newer ones; `total` counts all of them (0 on an empty page, as the API computes it).
 */
function principalTransactions(chain, m, url) {
  const limit = intParam(url, 'limit', { ...TX_LIMIT, min: 1 });
  const list = principalTxs(chain, m[1]);
  const raw = url.searchParams.get('cursor');
  const at = raw === null ? null : txCursor(raw, list);
  const start = at === null ? 0 : list.findIndex((e) => compare(e.position, at) <= 0);
  const from = start < 0 ? list.length : start;
  const page = list.slice(from, from + limit);
  const key = (e) => e.position.join(':');
  const newer = list.slice(Math.max(from - limit, 0), from);
  return json({
    limit, total: page.length ? list.length : 0,
    cursor: {
      next: list.length > from + limit && page.length ? key(list[from + limit]) : null,
      previous: page.length && newer.length ? key(newer[0]) : null,
      current: page.length ? key(page[0]) : null,
    },
    results: page.map(({ rec, t }) => ({
      transaction: summaryJson(rec),
      involvement: rec.sender === m[1] ? 'sender' : 'affected',
      balance_changes: { stx: { sent: String(t.sent), received: String(t.received), net: String(t.received - t.sent) } },
      affected_balances: { stx: t.stx, ft: t.ft, nft: t.nft },
    })),
  });
}

/** Register the extended API routes. */
export function extendedRoutes(router, chain, faults) {
  return router
    .add('GET', new RegExp(`^/extended/v2/smart-contracts/${CONTRACT}/logs$`), (req, m, url) => chain.run(() => contractLogs(chain, m, url)))
    .add('GET', new RegExp(`^/extended/v3/transactions/${TXID}$`), (req, m, url) => chain.run(() => getTransaction(chain, faults, m, url)))
    .add('GET', new RegExp(`^/extended/v3/transactions/${TXID}/events$`), (req, m, url) => chain.run(() => transactionEvents(chain, m, url)))
    .add('GET', new RegExp(`^/extended/v3/principals/${PRINCIPAL}/nonces$`), (req, m) => chain.run(() => nonces(chain, m)))
    .add('GET', new RegExp(`^/extended/v3/principals/${PRINCIPAL}/transactions$`), (req, m, url) => chain.run(() => principalTransactions(chain, m, url)))
    .add('GET', /^\/extended\/v1\//, () => json(GONE, 410))
    .add('POST', /^\/extended\/v1\//, () => json(GONE, 410));
}
