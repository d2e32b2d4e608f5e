// POST /admin/reset: after transactions (mined, aborted by post-conditions, pending), empty
// blocks, IPFS blocks and pins, pin requests and fault switches, the devnet is back in the
// state it had when it became ready — the same state fields, the same simnet answers — and a
// transaction sent after the reset is what it would have been on a freshly started devnet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pc } from '@stacks/transactions';
import { devnet, signedCall, send, broadcastAndRead, callRead, Cl } from './helpers.js';
import { FIXED_CHAIN_FIELDS } from '../src/snapshot.js';
import { PINNING_TOKEN } from '../src/pinning_routes.js';

let d, token, escrow, seed;
before(async () => {
  d = await devnet(true);
  seed = await (await d.get('/admin/seed')).json();
  token = `${d.chain.deployer}.sbtc-token`;
  escrow = `${d.chain.deployer}.escrow-secure`;
});
after(() => d.close());

const A = (name) => d.account(name).address;
const text = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'function' ? 'fn' : x));
const psa = (path, init = {}) => fetch(`${d.url}/psa${path}`,
  { ...init, headers: { authorization: `Bearer ${PINNING_TOKEN}`, 'content-type': 'application/json' } });

/** Everything the devnet keeps (its fixed parts aside) and what the simnet answers. */
async function state() {
  const chain = Object.fromEntries(Object.entries(d.chain).filter(([k]) => !FIXED_CHAIN_FIELDS.has(k))
    .map(([k, v]) => [k, text(v instanceof Map ? [...v] : v)]));
  const reads = [];
  for (const id of [1, 2, 3, 101, 106, 7001]) reads.push((await callRead(d, escrow, 'get-invoice', [Cl.uint(id)])).result);
  for (const who of ['payer_1', 'payer_2', 'escrow']) {
    const owner = who === 'escrow' ? escrow : A(who);
    reads.push((await callRead(d, token, 'get-balance', [Cl.principal(owner)])).result);
  }
  const answers = [];
  for (const path of ['/v2/info', `/v2/accounts/${A('payer_1')}?proof=0`, `/extended/v2/smart-contracts/${escrow}/logs?limit=50`,
    `/extended/v3/principals/${A('payer_2')}/nonces`]) answers.push(await (await d.get(path)).json());
  answers.push(await (await d.post('/api/v0/pin/ls')).json());
  answers.push(await (await psa('/pins?status=queued,pinning,pinned,failed')).json());
  answers.push(await (await d.get('/admin/faults')).json());
  return { chain, reads, answers: text(answers).replace(/"server_time":\d+/g, ''),
    assets: text([...d.chain.simnet.getAssetsMap()].map(([k, v]) => [k, [...v]])),
    heights: [d.chain.simnet.stacksBlockHeight, d.chain.simnet.burnBlockHeight], store: [...d.store.blocks.keys()] };
}

test('a reset undoes transactions, blocks, IPFS data, pin requests and faults', async () => {
  const ready = await state();
  // a mined call, an aborted one, empty blocks, then a pending one and a fault switch
  assert.equal((await (await d.postJson('/admin/invoice', { id: 7001, payer: 'payer_1', payee: 'payee_1', arbiter: 'arbiter_1', stage: 'funded' })).json()).stage, 'funded');
  const lie = Pc.principal(A('payer_2')).willSendEq(1n).ft(token, 'sbtc');
  await d.postJson('/admin/invoice', { id: 7002, payer: 'payer_2', payee: 'payee_1', arbiter: 'arbiter_1' });
  const aborted = await broadcastAndRead(d, 'payer_2', 'deposit-funds', [Cl.uint(7002), Cl.principal(token)], { postConditions: [lie] });
  assert.equal(aborted.status, 'abort_by_post_condition');
  await d.postJson('/admin/mine', { blocks: 5 });
  await d.postJson('/admin/faults', { hold_txs: true, delay_ms: 1, withhold_blocks: [seed.files['order-log.txt'].cid] });
  assert.equal((await send(d, await signedCall(d, 'payer_3', 'raise-dispute', [Cl.uint(6), Cl.stringAscii('x')]))).status, 200);
  const form = new FormData();
  form.append('file', new Blob([new TextEncoder().encode('after the snapshot')]));
  await d.post('/api/v0/block/put?cid-codec=raw&pin=true', form);
  const pinned = await psa('/pins', { method: 'POST', body: JSON.stringify({ cid: seed.files['order-log.txt'].cid }) });
  assert.equal(pinned.status, 202);
  assert.notDeepEqual(await state(), ready);

  const r = await d.post('/admin/reset');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { stacks_tip_height: ready.heights[0] });
  assert.deepEqual(await state(), ready);
});

test('after a reset the chain goes on as a freshly started one would', async () => {
  const nonce = d.chain.nextNonce(A('payer_1'));
  const first = await broadcastAndRead(d, 'payer_1', 'create-invoice', [Cl.uint(7100), Cl.principal(A('payee_1')),
    Cl.uint(1000), Cl.principal(token), Cl.principal(A('arbiter_1')), Cl.uint(5000), Cl.none()]);
  assert.equal(first.status, 'success');
  await d.post('/admin/reset');
  assert.equal(d.chain.nextNonce(A('payer_1')), nonce);
  assert.equal((await d.get(`/extended/v3/transactions/${first.tx_id}`)).status, 404);
  const again = await broadcastAndRead(d, 'payer_1', 'create-invoice', [Cl.uint(7100), Cl.principal(A('payee_1')),
    Cl.uint(1000), Cl.principal(token), Cl.principal(A('arbiter_1')), Cl.uint(5000), Cl.none()]);
  // the same signed bytes at the same height: the same txid, block and result
  assert.deepEqual([again.tx_id, again.block.height, again.block.hash, again.result], [first.tx_id, first.block.height, first.block.hash, first.result]);
});

test('a reset waits for the work already in the chain\'s queue', async () => {
  const ready = seed.tip_height;
  let queuedWorkEnded = false;
  const queued = d.chain.run(async () => {
    await new Promise((r) => setTimeout(r, 300));
    d.chain.mine(2);
    queuedWorkEnded = true;
  });
  const reset = await d.post('/admin/reset');
  assert.ok(queuedWorkEnded, 'the reset answered before the queued work ended');
  assert.equal((await reset.json()).stacks_tip_height, ready);
  await queued;
  assert.deepEqual([d.chain.tipHeight, d.chain.simnet.stacksBlockHeight], [ready, ready]);
});
