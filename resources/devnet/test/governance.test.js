// POST /admin/governance: the devnet's admins sign and mine the escrow's governance calls, so
// a test or a person trying the demo can pause the contract; what they do is on chain (the
// read-only functions and the contract's logs say so), and bad requests are refused.
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

const govern = async (body) => {
  const r = await d.postJson('/admin/governance', body);
  return { status: r.status, body: await r.json() };
};
const paused = async () => (await callRead(d, escrow, 'is-paused', [])).result === '0x03';
const newestLog = async () => {
  const page = await (await d.get(`/extended/v2/smart-contracts/${escrow}/logs?limit=1`)).json();
  return page.results[0].contract_log.value.repr;
};

test('two admins pause the contract and two unpause it, each step a mined transaction', async () => {
  const proposed = await govern({ action: 'propose-pause', admin: 'admin_1' });
  assert.equal(proposed.status, 200);
  assert.equal(proposed.body.status, 'success');
  assert.match(proposed.body.txid, /^0x[0-9a-f]{64}$/);
  assert.equal(await paused(), false);
  assert.match(await newestLog(), /\(event "pause-proposed"\)/);
  const approved = await govern({ action: 'approve-pause', admin: 'admin_2' });
  assert.equal(approved.body.result, '(ok true)');
  assert.equal(await paused(), true);
  assert.match(await newestLog(), /\(event "paused"\)/);
  const tx = await (await d.get(`/extended/v3/transactions/${approved.body.txid}`)).json();
  assert.equal(tx.sender.address, d.account('admin_2').address);
  assert.equal((await govern({ action: 'unpause', admin: 'admin_3' })).body.status, 'success');
  assert.equal(await paused(), true);
  const unpaused = await govern({ action: 'approve-action', admin: 'admin_1' });
  assert.equal(unpaused.body.result, '(ok true)');
  assert.equal(await paused(), false);
});

test('whitelisting and removing a token change is-token-whitelisted', async () => {
  const listed = async () => (await callRead(d, escrow, 'is-token-whitelisted', [Cl.principal(token)])).result;
  assert.equal((await govern({ action: 'remove-token-from-whitelist' })).body.status, 'success');
  assert.equal(await listed(), '0x03');
  assert.equal((await govern({ action: 'approve-action', admin: 'admin_3' })).body.status, 'success');
  assert.equal(await listed(), '0x04');
  assert.match(await newestLog(), /\(event "token-removed"\)/);
  await govern({ action: 'whitelist-token', token });
  await govern({ action: 'approve-action', admin: 'admin_2' });
  assert.equal(await listed(), '0x03');
});

test('a refused call is mined as an abort; bad requests are 400s', async () => {
  const again = await govern({ action: 'unpause' });
  assert.equal(again.body.status, 'abort_by_response');
  for (const body of [{ action: 'drain' }, { action: 'unpause', admin: 'payer_1' },
    { action: 'approve-pause', action_id: -1 }, { action: 'whitelist-token', token: 'not a principal' }]) {
    assert.equal((await govern(body)).status, 400, JSON.stringify(body));
  }
});
