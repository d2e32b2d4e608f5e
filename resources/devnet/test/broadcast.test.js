// Service tests of the Stacks side: transactions built and signed by @stacks/transactions
// are broadcast over HTTP (good, bad signature, wrong nonce, wrong chain id and version,
// violated post-conditions, low fee, garbage) and read back through the extended API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STACKS_MAINNET, STACKS_TESTNET } from '@stacks/network';
import { Pc, hexToCV } from '@stacks/transactions';
import { devnet, signedCall, send, broadcastAndRead, callRead, readTx, txEvents, Cl } from './helpers.js';
import { repr } from '../src/clarity.js';

console.log = () => {}; // the simnet echoes prints
let d, token, escrow, A;

before(async () => {
  d = await devnet(true);
  token = `${d.chain.deployer}.sbtc-token`;
  escrow = `${d.chain.deployer}.escrow-secure`;
  A = (name) => d.account(name).address;
});
after(() => d.close());

async function newInvoice(id, payer = 'payer_1', amount = 1000n) {
  const deadline = d.chain.tipHeight + 100;
  const rec = await broadcastAndRead(d, payer, 'create-invoice', [Cl.uint(id), Cl.principal(A('payee_1')), Cl.uint(amount),
    Cl.principal(token), Cl.principal(A('arbiter_1')), Cl.uint(deadline), Cl.none()]);
  assert.equal(rec.status, 'success');
}

async function tokenBalance(who) {
  const r = await callRead(d, token, 'get-balance', [Cl.principal(who)]);
  return repr(hexToCV(r.result));
}

test('a good transaction is mined and reads back in the extended API shape', async () => {
  const tx = await signedCall(d, 'payer_1', 'create-invoice', [Cl.uint(500), Cl.principal(A('payee_1')), Cl.uint(1000),
    Cl.principal(token), Cl.principal(A('arbiter_1')), Cl.uint(d.chain.tipHeight + 100), Cl.none()]);
  const before = d.chain.tipHeight;
  const sent = await send(d, tx);
  assert.equal(sent.status, 200);
  assert.equal(sent.body, tx.txid());
  const rec = await readTx(d, tx.txid());
  assert.equal(rec.tx_id, `0x${tx.txid()}`);
  assert.equal(rec.status, 'success');
  assert.deepEqual(rec.result, { hex: '0x0701000000000000000000000000000001f4', repr: '(ok u500)' });
  assert.deepEqual(rec.sender, { address: A('payer_1'), nonce: Number(tx.auth.spendingCondition.nonce) });
  assert.equal(rec.fee_rate, '5000');
  assert.equal(rec.block.height, before + 1);
  assert.equal(rec.block.hash, d.chain.blocks[before + 1].hash);
  assert.equal(rec.parent_block.hash, d.chain.blocks[before].hash);
  assert.match(rec.parent_block.hash, /^0x[0-9a-f]{64}$/);
  assert.equal(typeof rec.block.time, 'number');
  assert.equal(rec.contract_call.function_name, 'create-invoice');
  const log = (await txEvents(d, rec.tx_id)).find((e) => e.type === 'contract_log');
  assert.equal(log.contract_log.contract_id, escrow);
  assert.match(log.contract_log.value.repr, /\(event "invoice-created"\)/);
  const info = await (await d.get('/v2/info')).json();
  assert.equal(info.stacks_tip_height, before + 1);
  assert.equal(info.network_id, 2147483648);
  // the same bytes again: the node answers 200 with the same txid and mines nothing
  assert.deepEqual(await send(d, tx), { status: 200, body: tx.txid() });
  assert.equal(d.chain.tipHeight, before + 1);
});

test('the JSON form {"tx": hex} of POST /v2/transactions is accepted', async () => {
  const tx = await signedCall(d, 'payer_2', 'propose-pause', [], {});
  const r = await d.postJson('/v2/transactions', { tx: tx.serialize() });
  assert.equal(r.status, 200);
  const rec = await readTx(d, tx.txid());
  assert.equal(rec.status, 'abort_by_response');
  assert.equal(rec.result.repr, '(err u100)');
});

test('nonces: the next nonce advances per mined transaction, also after an abort', async () => {
  const who = A('payee_3');
  const n0 = (await (await d.get(`/extended/v3/principals/${who}/nonces`)).json()).next_nonce;
  const rec = await broadcastAndRead(d, 'payee_3', 'unpause', []);
  assert.equal(rec.status, 'abort_by_response');
  const nonces = await (await d.get(`/extended/v3/principals/${who}/nonces`)).json();
  assert.equal(nonces.next_nonce, n0 + 1);
  assert.equal(nonces.last_confirmed_nonce, n0);
  const acct = await (await d.get(`/v2/accounts/${who}?proof=0`)).json();
  assert.equal(acct.nonce, n0 + 1);
  assert.match(acct.balance, /^0x[0-9a-f]{32}$/);
});

const REJECTIONS = [
  ['bad signature', async () => {
    const bytes = (await signedCall(d, 'payer_1', 'propose-pause', [])).serializeBytes();
    // the signature's r sits right after the key encoding byte of the spending condition
    bytes[1 + 4 + 1 + 1 + 20 + 8 + 8 + 1 + 10] ^= 0x01;
    return bytes;
  }, 'SignatureValidation'],
  ['nonce too low', async () => signedCall(d, 'payer_1', 'propose-pause', [], { nonce: 0 }), 'BadNonce'],
  ['nonce too high', async () => signedCall(d, 'payer_1', 'propose-pause', [], { nonce: 9999 }), 'BadNonce'],
  ['mainnet transaction', async () => signedCall(d, 'payer_1', 'propose-pause', [], { network: STACKS_MAINNET }), 'BadTransactionVersion'],
  ['wrong chain id', async () => signedCall(d, 'payer_1', 'propose-pause', [], { network: { ...STACKS_TESTNET, chainId: 0x80000001 } }), 'BadTransactionVersion'],
  ['fee below 1 uSTX per byte', async () => signedCall(d, 'payer_1', 'propose-pause', [], { fee: 10 }), 'FeeTooLow'],
  ['no such contract', async () => signedCall(d, 'payer_1', 'propose-pause', [], { contract: `${A('payer_1')}.nothing` }), 'NoSuchContract'],
  ['no such public function', async () => signedCall(d, 'payer_1', 'get-invoice', [Cl.uint(1)]), 'NoSuchPublicFunction'],
  ['argument of the wrong type', async () => signedCall(d, 'payer_1', 'approve-pause', [Cl.int(1)]), 'BadFunctionArgument'],
  ['wrong argument count', async () => signedCall(d, 'payer_1', 'approve-pause', []), 'BadFunctionArgument'],
  ['bytes that are not a transaction', async () => new Uint8Array([0x80, 1, 2, 3]), 'Deserialization'],
];
for (const [name, build, reason] of REJECTIONS) {
  test(`broadcast refuses ${name} with 400 ${reason} and mines nothing`, async () => {
    const tip = d.chain.tipHeight;
    const nonce = d.chain.nextNonce(A('payer_1'));
    const { status, body } = await send(d, await build());
    assert.equal(status, 400);
    assert.equal(body.error, 'transaction rejected');
    assert.equal(body.reason, reason);
    assert.equal(typeof body.txid, 'string');
    if (reason === 'BadNonce') {
      assert.equal(body.reason_data.expected, nonce);
      assert.equal(body.reason_data.principal, A('payer_1'));
    }
    assert.equal(d.chain.tipHeight, tip);
    assert.equal(d.chain.nextNonce(A('payer_1')), nonce);
  });
}

test('a violated post-condition aborts the call, leaves no effect and still uses the nonce', async () => {
  await newInvoice(600, 'payer_2');
  const balance = await tokenBalance(A('payer_2'));
  const nonce = d.chain.nextNonce(A('payer_2'));
  const lie = Pc.principal(A('payer_2')).willSendEq(999n).ft(token, 'sbtc');
  const rec = await broadcastAndRead(d, 'payer_2', 'deposit-funds', [Cl.uint(600), Cl.principal(token)], { postConditions: [lie] });
  assert.equal(rec.status, 'abort_by_post_condition');
  assert.equal(rec.event_count, 0);
  assert.equal(await tokenBalance(A('payer_2')), balance);
  const inv = await callRead(d, escrow, 'get-invoice', [Cl.uint(600)]);
  assert.match(repr(hexToCV(inv.result)), /\(status u0\)/);
  assert.equal(d.chain.nextNonce(A('payer_2')), nonce + 1);
  // the chain goes on from the restored state: the honest deposit succeeds
  const honest = Pc.principal(A('payer_2')).willSendEq(1000n).ft(token, 'sbtc');
  const ok = await broadcastAndRead(d, 'payer_2', 'deposit-funds', [Cl.uint(600), Cl.principal(token)], { postConditions: [honest] });
  assert.equal(ok.status, 'success');
  assert.equal(ok.post_conditions[0].condition_code, 'sent_equal_to');
  assert.notEqual(await tokenBalance(A('payer_2')), balance);
});

test('deny mode refuses an asset transfer no post-condition covers; allow mode lets it through', async () => {
  await newInvoice(601, 'payer_3');
  await newInvoice(602, 'payer_3');
  const denied = await broadcastAndRead(d, 'payer_3', 'deposit-funds', [Cl.uint(601), Cl.principal(token)]);
  assert.equal(denied.status, 'abort_by_post_condition');
  const allowed = await broadcastAndRead(d, 'payer_3', 'deposit-funds', [Cl.uint(602), Cl.principal(token)], { allow: true });
  assert.equal(allowed.status, 'success');
  const moved = (await txEvents(d, allowed.tx_id)).filter((e) => e.type === 'ft_asset');
  assert.equal(moved[0].ft_asset.amount, '1000');
});

test('call-read answers read-only calls, refuses public ones, and can be made to lie', async () => {
  const paused = await callRead(d, escrow, 'is-paused', []);
  assert.deepEqual(paused, { okay: true, result: '0x04' });
  const notRo = await callRead(d, escrow, 'unpause', []);
  assert.equal(notRo.okay, false);
  assert.match(notRo.cause, /NotReadOnly/);
  d.faults.set({ lie_call_read: { 'is-paused': '0x03' } });
  assert.deepEqual(await callRead(d, escrow, 'is-paused', []), { okay: true, result: '0x03' });
  d.faults.reset();
});

test('contract logs: newest first, prev_cursor leads to older pages, offset agrees, limit is bounded', async () => {
  const base = `/extended/v2/smart-contracts/${escrow}/logs`;
  const all = await (await d.get(`${base}?limit=100`)).json();
  assert.ok(all.total >= 20);
  const positions = all.results.map((r) => [d.chain.txs.get(r.tx_id.slice(2)).block.height, r.event_index]);
  const sorted = [...positions].sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  assert.deepEqual(positions, sorted);
  const p1 = await (await d.get(`${base}?limit=5`)).json();
  assert.equal(p1.next_cursor, null);
  assert.match(p1.prev_cursor, /^[0-9]+:0:0:[0-9]+$/);
  const p2 = await (await d.get(`${base}?limit=5&cursor=${p1.prev_cursor}`)).json();
  const p2o = await (await d.get(`${base}?limit=5&offset=5`)).json();
  assert.deepEqual(p2.results, p2o.results);
  assert.deepEqual([...p1.results, ...p2.results], all.results.slice(0, 10));
  assert.equal(p2.next_cursor, p1.cursor);
  const first = p1.results[0];
  assert.match(first.tx_id, /^0x[0-9a-f]{64}$/);
  assert.equal(first.contract_log.topic, 'print');
  assert.match(first.contract_log.value.hex, /^0x0c/);
  assert.equal((await d.get(`${base}?limit=101`)).status, 400);
  assert.equal((await d.get(`${base}?cursor=5:0:0`)).status, 400);
  assert.equal((await d.get(`${base}?cursor=0:0:0:0`)).status, 404);
  const high = await (await d.get(`${base}?limit=5&cursor=99999999:0:0:0`)).json();
  assert.deepEqual(high.results, p1.results);
});

test('deprecated v1 routes answer 410 Gone; unknown transactions 404', async () => {
  const r = await d.get(`/extended/v1/tx/0x${'ab'.repeat(32)}`);
  assert.equal(r.status, 410);
  assert.equal((await r.json()).error, 'Gone');
  assert.equal((await d.get(`/extended/v1/contract/${escrow}/events`)).status, 410);
  assert.equal((await d.get(`/extended/v3/transactions/0x${'cd'.repeat(32)}`)).status, 404);
});

test('fee estimate, pox and info follow the node shapes', async () => {
  const fee = await (await d.postJson('/v2/fees/transaction', { transaction_payload: '0x' + '00'.repeat(120), estimated_len: 250 })).json();
  assert.equal(fee.estimations.length, 3);
  assert.equal(fee.estimations[0].fee, 250);
  const pox = await (await d.get('/v2/pox')).json();
  assert.ok(Array.isArray(pox.epochs));
  assert.equal(pox.current_burnchain_block_height, d.chain.tipHeight);
});

test('/admin/mine advances height and time so that a payer can refund after the deadline', async () => {
  const deadline = d.chain.tipHeight + 3;
  await broadcastAndRead(d, 'payer_1', 'create-invoice', [Cl.uint(700), Cl.principal(A('payee_1')), Cl.uint(100),
    Cl.principal(token), Cl.principal(A('arbiter_1')), Cl.uint(deadline), Cl.none()]);
  const pc = [Pc.principal(A('payer_1')).willSendEq(100n).ft(token, 'sbtc')];
  await broadcastAndRead(d, 'payer_1', 'deposit-funds', [Cl.uint(700), Cl.principal(token)], { postConditions: pc });
  const early = await broadcastAndRead(d, 'payer_1', 'refund', [Cl.uint(700), Cl.principal(token)], { allow: true });
  assert.equal(early.result.repr, '(err u112)');
  const t0 = d.chain.tip.time;
  const r = await (await d.postJson('/admin/mine', { blocks: 5, seconds_per_block: 3600 })).json();
  assert.equal(r.stacks_tip_height, d.chain.tipHeight);
  assert.ok(r.block_time >= t0 + 5 * 3600);
  const late = await broadcastAndRead(d, 'payer_1', 'refund', [Cl.uint(700), Cl.principal(token)], { allow: true });
  assert.equal(late.result.repr, '(ok true)');
});

test('a broadcast whose reply is dropped is still mined; sending the same bytes again is answered', async () => {
  const tx = await signedCall(d, 'admin_3', 'propose-pause', []);
  d.faults.set({ drop_reply_next: 1, path_prefix: '/v2/transactions' });
  await assert.rejects(send(d, tx));
  d.faults.reset();
  const rec = await (await d.get(`/extended/v3/transactions/0x${tx.txid()}`)).json();
  assert.equal(rec.status, 'success');
  assert.deepEqual(await send(d, tx), { status: 200, body: tx.txid() });
});

test('stale-node faults: /v2/info lags behind or stops advancing', async () => {
  const tip = async () => (await (await d.get('/v2/info')).json()).stacks_tip_height;
  const real = d.chain.tipHeight;
  d.faults.set({ tip_lag: 2 });
  assert.equal(await tip(), real - 2);
  d.faults.set({ tip_lag: 0, freeze_tip: true });
  await d.postJson('/admin/mine', { blocks: 2 });
  assert.equal(await tip(), real);
  d.faults.reset();
  assert.equal(await tip(), real + 2);
});

test('fail_next can answer 429 with Retry-After, and lie_tx_status misreports a transaction', async () => {
  d.faults.set({ fail_next: 1, fail_status: 429, retry_after: 2, path_prefix: '/v2/accounts' });
  const r = await d.get(`/v2/accounts/${A('payer_1')}?proof=0`);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '2');
  assert.equal((await d.get(`/v2/accounts/${A('payer_1')}?proof=0`)).status, 200);
  const rec = await broadcastAndRead(d, 'payee_1', 'unpause', []);
  assert.equal(rec.status, 'abort_by_response');
  d.faults.set({ lie_tx_status: { [rec.tx_id]: 'success' } });
  const lied = await readTx(d, rec.tx_id);
  assert.equal(lied.status, 'success');
  assert.equal(lied.result.repr, '(err u100)');
  d.faults.reset();
});

test('with hold_txs a broadcast stays pending; nonce conflicts and replace-by-fee follow the mempool rules', async () => {
  d.faults.set({ hold_txs: true });
  try {
    const who = A('admin_2');
    const confirmed = d.chain.nextNonce(who);
    const first = await signedCall(d, 'admin_2', 'propose-pause', [], { fee: 5000 });
    assert.equal((await send(d, first)).status, 200);
    const pending = await (await d.get(`/extended/v3/transactions/0x${first.txid()}`)).json();
    assert.equal(pending.status, 'pending');
    assert.equal('block' in pending, false);
    assert.equal(pending.receipt_block_height, d.chain.tipHeight);
    const n = await (await d.get(`/extended/v3/principals/${who}/nonces`)).json();
    assert.deepEqual([n.next_nonce, n.last_confirmed_nonce, n.mempool], [confirmed + 1, confirmed > 0 ? confirmed - 1 : null,
      { last_nonce: confirmed, pending_nonces: [], missing_nonces: [] }]);
    assert.equal((await (await d.get(`/v2/accounts/${who}?proof=0`)).json()).nonce, confirmed);
    const same = await signedCall(d, 'admin_2', 'unpause', [], { nonce: confirmed, fee: 5000 });
    assert.equal((await send(d, same)).body.reason, 'ConflictingNonceInMempool');
    const richer = await signedCall(d, 'admin_2', 'propose-pause', [], { nonce: confirmed, fee: 9000 });
    assert.equal((await send(d, richer)).status, 200);
    // a replaced transaction is pruned from the API's mempool: it is no longer found
    assert.equal((await d.get(`/extended/v3/transactions/0x${first.txid()}`)).status, 404);
    const tip = d.chain.tipHeight;
    const mined = await (await d.postJson('/admin/mine', {})).json();
    assert.equal(mined.mined_transactions, 1);
    assert.equal(mined.stacks_tip_height, tip + 1);
    const done = await (await d.get(`/extended/v3/transactions/0x${richer.txid()}`)).json();
    assert.equal(done.status, 'success');
    assert.equal(d.chain.nextNonce(who), confirmed + 1);
  } finally {
    d.faults.reset();
  }
});

test('fees are charged in the transaction\'s block, also when post-conditions abort it', async () => {
  const stx = async (who) => BigInt((await (await d.get(`/v2/accounts/${who}?proof=0`)).json()).balance);
  const who = A('admin_1');
  const before = await stx(who);
  const ok = await broadcastAndRead(d, 'admin_1', 'whitelist-token', [Cl.principal(token)], { fee: 4321 });
  assert.equal(ok.status, 'success');
  assert.equal(await stx(who), before - 4321n);
  await newInvoice(800, 'payer_1');
  const payerBefore = await stx(A('payer_1'));
  const lie = Pc.principal(A('payer_1')).willSendEq(1n).ft(token, 'sbtc');
  const aborted = await broadcastAndRead(d, 'payer_1', 'deposit-funds', [Cl.uint(800), Cl.principal(token)], { postConditions: [lie], fee: 777 });
  assert.equal(aborted.status, 'abort_by_post_condition');
  assert.equal(await stx(A('payer_1')), payerBefore - 777n);
});

test('/admin/drop takes a pending transaction out of the mempool unmined; the API then answers 404 and counts no pending nonce', async () => {
  d.faults.set({ hold_txs: true });
  try {
    const who = A('admin_3');
    const confirmed = d.chain.nextNonce(who);
    const call = await signedCall(d, 'admin_3', 'propose-pause', [], { fee: 5000 });
    assert.equal((await send(d, call)).status, 200);
    const gaps = await (await d.get(`/extended/v3/principals/${who}/nonces`)).json();
    assert.equal(gaps.next_nonce, confirmed + 1);
    const dropped = await d.postJson('/admin/drop', { tx_id: `0x${call.txid()}` });
    assert.equal(dropped.status, 200);
    assert.equal((await d.get(`/extended/v3/transactions/0x${call.txid()}`)).status, 404);
    const after = await (await d.get(`/extended/v3/principals/${who}/nonces`)).json();
    assert.deepEqual([after.next_nonce, after.mempool.last_nonce], [confirmed, null]);
    assert.equal((await d.postJson('/admin/drop', { tx_id: `0x${call.txid()}` })).status, 404);
    assert.equal((await (await d.postJson('/admin/mine', {})).json()).mined_transactions, 0);
  } finally {
    d.faults.reset();
  }
});
