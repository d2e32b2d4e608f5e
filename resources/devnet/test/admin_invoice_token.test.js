// POST /admin/invoice and POST /admin/token: an invoice between named accounts taken to a
// stage, and mock sBTC minted or burned by the deployer, each a mined transaction whose
// effect the chain's own read-only functions show; bad requests are refused with 400.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { devnet, callRead, Cl } from './helpers.js';

let d, escrow, token;
before(async () => {
  d = await devnet(true);
  escrow = `${d.chain.deployer}.escrow-secure`;
  token = `${d.chain.deployer}.sbtc-token`;
});
after(() => d.close());

const post = async (path, body) => {
  const r = await d.postJson(path, body);
  return { status: r.status, body: await r.json() };
};
const balance = async (who) => BigInt(Cl.deserialize((await callRead(d, token, 'get-balance', [Cl.principal(who)])).result).value.value);

test('an invoice is created between named accounts and taken to a dispute', async () => {
  const made = await post('/admin/invoice', { id: 7001, payer: 'arbiter_1', payee: 'payee_1', arbiter: 'arbiter_2', amount: 5000, stage: 'disputed' });
  assert.equal(made.status, 200);
  assert.deepEqual([made.body.invoice_id, made.body.stage], [7001, 'disputed']);
  const inv = Cl.deserialize((await callRead(d, escrow, 'get-invoice', [Cl.uint(7001)])).result);
  assert.equal(inv.value.value.status.value, 3n);
  assert.equal(inv.value.value.payer.value, d.account('arbiter_1').address);
});

test('burning from the escrow lowers its balance below what it holds', async () => {
  const before = await balance(escrow);
  const burned = await post('/admin/token', { action: 'burn', owner: 'escrow', amount: 1 });
  assert.equal(burned.status, 200);
  assert.equal(burned.body.status, 'success');
  assert.equal(await balance(escrow), before - 1n);
});

test('bad requests are refused with a reason', async () => {
  for (const [path, body, words] of [
    ['/admin/invoice', { id: 0, payer: 'payer_1', payee: 'payee_1', arbiter: 'arbiter_1' }, /id must be/],
    ['/admin/invoice', { id: 9, payer: 'nobody', payee: 'payee_1', arbiter: 'arbiter_1' }, /payer must name/],
    ['/admin/invoice', { id: 9, payer: 'payer_1', payee: 'payee_1', arbiter: 'arbiter_1', stage: 'paid' }, /stage must be/],
    ['/admin/token', { action: 'steal', owner: 'escrow', amount: 1 }, /mint or burn/],
    ['/admin/token', { action: 'burn', owner: 'escrow', amount: -1 }, /positive integer/],
    ['/admin/token', { action: 'mint', owner: 'no such', amount: 1 }, /owner must be/],
  ]) {
    const r = await post(path, body);
    assert.equal(r.status, 400, path);
    assert.match(r.body.error, words);
  }
});
