// The node RPC subset (/v2) in stacks-core's shapes; the extended API (/extended) is
// registered from extended_routes.js (docs/stacks-api.md).
import { hexToCV, cvToHex } from '@stacks/transactions';
import { HttpError, json, readBody } from './http.js';
import { broadcast, Rejection } from './broadcast.js';
import { canonical } from './clarity.js';
import { extendedRoutes } from './extended_routes.js';

const PRINCIPAL = '(S[A-Z0-9]{28,40}(?:\\.[a-zA-Z][a-zA-Z0-9-]{0,39})?)';

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
    .add('GET', new RegExp(`^/v2/contracts/interface/(S[A-Z0-9]{28,40})/([a-zA-Z][a-zA-Z0-9-]{0,39})$`), (req, m) => chain.run(() => {
      // stacks-core answers the contract's ContractInterface, or 404 with a plain-text reason
      const iface = chain.interfaces.get(`${m[1]}.${m[2]}`);
      if (!iface) throw new HttpError(404, 'No contract interface data found');
      return json(iface);
    }))
    .add('POST', /^\/v2\/transactions$/, (req) => postTransaction(chain, req))
    .add('POST', /^\/v2\/fees\/transaction$/, (req) => feeEstimate(req))
    .add('GET', /^\/v2\/fees\/transfer$/, () => json(1));
  return extendedRoutes(router, chain, faults);
}
