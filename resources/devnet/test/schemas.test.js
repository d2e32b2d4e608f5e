// Every devnet route answers in the real service's shape (schemas/answers.json, taken from
// stacks-core, stacks-blockchain-api and Kubo): each answer of the routes below is checked for
// missing fields, wrong types and undeclared fields, on success and on the errors that carry JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { devnet, signedCall, send, Cl } from './helpers.js';
import { ROUTES, problems, routeOf } from './answers.js';

let d, escrow, seed;
const seen = new Set();
before(async () => {
  d = await devnet(true);
  escrow = `${d.chain.deployer}.escrow-secure`;
  seed = await (await d.get('/admin/seed')).json();
});
after(() => d.close());

/** Ask, then check the answer against its route's schema; returns the parsed body. */
async function checked(method, path, body, headers = {}) {
  const r = await fetch(d.url + path, { method, body, headers });
  const route = routeOf(method, new URL(path, d.url).pathname);
  assert.ok(route, `no schema declared for ${method} ${path}`);
  seen.add(route.path);
  if ('bytes' in route && r.status >= 400) {
    const doc = await r.json();
    assert.deepEqual(problems(route.error, doc), [], `${method} ${path} (${r.status})`);
    return doc;
  }
  if ('bytes' in route) {
    assert.ok((r.headers.get('content-type') ?? '').startsWith(route.bytes), path);
    return new Uint8Array(await r.arrayBuffer());
  }
  const doc = await r.json();
  assert.deepEqual(problems(route.json, doc), [], `${method} ${path} (${r.status}) ${JSON.stringify(doc).slice(0, 300)}`);
  return doc;
}
const get = (path) => checked('GET', path);
const postJson = (path, obj) => checked('POST', path, JSON.stringify(obj), { 'content-type': 'application/json' });

test('the checker itself refuses a missing field, a wrong type and an undeclared field', () => {
  const schema = { object: { a: 'integer', b: { oneOf: ['string', 'null'] } }, optional: ['b'] };
  assert.deepEqual(problems(schema, { a: 1 }), []);
  assert.deepEqual(problems(schema, {}), ['$.a: missing']);
  assert.deepEqual(problems(schema, { a: 1.5 }), ['$.a: not integer']);
  assert.deepEqual(problems(schema, { a: 1, block_time: 5 }), ['$.block_time: not declared']);
});

test('node RPC: info, pox, accounts, contract interface, call-read, fee estimate', async () => {
  await get('/v2/info');
  await get('/v2/pox');
  await get(`/v2/accounts/${d.account('payer_1').address}?proof=0`);
  await get(`/v2/accounts/${d.account('payer_1').address}`);
  const iface = await get(`/v2/contracts/interface/${escrow.replace('.', '/')}`);
  assert.ok(iface.functions.some((f) => f.name === 'resolve-dispute'));
  const missing = await fetch(`${d.url}/v2/contracts/interface/${d.chain.deployer}/nothing-here`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), 'No contract interface data found');
  const [addr, name] = escrow.split('.');
  await postJson(`/v2/contracts/call-read/${addr}/${name}/is-paused`, { sender: addr, arguments: [] });
  await postJson(`/v2/contracts/call-read/${addr}/${name}/unpause`, { sender: addr, arguments: [] });
  await postJson('/v2/fees/transaction', { transaction_payload: '0x' + '00'.repeat(100), estimated_len: 200 });
});

test('broadcast, then every shape of a transaction: mined, heavy fields, pending, dropped, events', async () => {
  const tx = await signedCall(d, 'payee_2', 'unpause', []);
  const bytes = tx.serializeBytes();
  assert.equal(await checked('POST', '/v2/transactions', bytes, { 'content-type': 'application/octet-stream' }), tx.txid());
  const bad = await checked('POST', '/v2/transactions', bytes.slice(0, 20), { 'content-type': 'application/octet-stream' });
  assert.equal(bad.reason, 'Deserialization');
  const id = `0x${tx.txid()}`;
  const lean = await get(`/extended/v3/transactions/${id}`);
  assert.equal('result' in lean, false);
  const heavy = await get(`/extended/v3/transactions/${id}?include=result,post_conditions,function_args`);
  assert.equal(heavy.result.repr, '(err u100)');
  await get(`/extended/v3/transactions/${id}?include=result&include=post_conditions`);
  assert.equal((await get(`/extended/v3/transactions/0x${'ee'.repeat(32)}`)).statusCode, 404);
  const raised = seed.disputes['101'].txid;
  const events = await get(`/extended/v3/transactions/${raised}/events`);
  assert.ok(events.results.some((e) => e.type === 'contract_log'));
  await get(`/extended/v3/transactions/${seed.disputes['101'].evidence[0].txid}/events?limit=1&cursor=0`);
  d.faults.set({ hold_txs: true });
  try {
    const first = await signedCall(d, 'admin_3', 'propose-pause', [], { fee: 5000 });
    await send(d, first);
    const pending = await get(`/extended/v3/transactions/0x${first.txid()}?include=post_conditions,result`);
    assert.equal(pending.status, 'pending');
    assert.equal((await get(`/extended/v3/transactions/0x${first.txid()}/events`)).statusCode, 400);
    await send(d, await signedCall(d, 'admin_3', 'propose-pause', [], { nonce: first.auth.spendingCondition.nonce, fee: 9000 }));
    // the API prunes a replaced mempool row, and reads only unpruned ones: 404
    assert.equal((await get(`/extended/v3/transactions/0x${first.txid()}`)).statusCode, 404);
    await get(`/extended/v3/principals/${d.account('admin_3').address}/nonces`);
  } finally {
    d.faults.reset();
    await d.postJson('/admin/mine', {});
  }
});

test('contract logs: a page, the next older page, and the errors', async () => {
  const base = `/extended/v2/smart-contracts/${escrow}/logs`;
  const page = await get(`${base}?limit=3`);
  await get(`${base}?limit=3&cursor=${page.prev_cursor}`);
  await get(`${base}?offset=2`);
  assert.equal((await get(`${base}?cursor=0:0:0:0`)).statusCode, 404);
  assert.equal((await get(`${base}?cursor=1:2`)).statusCode, 400);
  await get(`/extended/v3/principals/${d.account('payer_1').address}/nonces`);
});

test('principal transactions: newest first, older pages by cursor.next, every transaction calling the escrow', async () => {
  const base = `/extended/v3/principals/${escrow}/transactions`;
  const first = await get(`${base}?limit=2`);
  assert.equal(first.results.length, 2);
  assert.ok(first.results.every((r) => r.transaction.contract_call.contract_id === escrow && r.involvement === 'affected'));
  assert.equal(first.cursor.previous, null);
  const older = await get(`${base}?limit=50&cursor=${first.cursor.next}`);
  assert.ok(older.results[0].transaction.block.height < first.results[1].transaction.block.height);
  assert.equal(older.cursor.previous, first.cursor.current);
  const heights = [...first.results, ...older.results].map((r) => r.transaction.block.height);
  assert.deepEqual(heights, [...heights].sort((a, b) => b - a));
  // every transaction that printed an escrow log is listed, with the block of its v3 answer
  const listed = new Map([...first.results, ...older.results].map((r) => [r.transaction.tx_id, r.transaction.block]));
  const raised = seed.disputes['101'].txid;
  const tx = await get(`/extended/v3/transactions/${raised}`);
  assert.deepEqual(listed.get(tx.tx_id), tx.block);
  // a block-only cursor naming no transaction covers the whole block
  const top = first.results[0].transaction.block.height;
  assert.equal((await get(`${base}?cursor=${top + 5}:0:0`)).results[0].transaction.block.height, top);
  const payer = await get(`/extended/v3/principals/${d.account('payer_1').address}/transactions?limit=1`);
  assert.equal(payer.results[0].involvement, 'sender');
  assert.ok(BigInt(payer.results[0].balance_changes.stx.sent) > 0n);
  const none = await get(`${base}?cursor=0:0:0`);
  assert.deepEqual([none.total, none.results, none.cursor.current], [0, [], null]);
  assert.equal((await get(`${base}?cursor=1:2`)).statusCode, 400);
  assert.equal((await get(`${base}?limit=51`)).statusCode, 400);
});

test('Kubo RPC: version, block/put, block/get, pin/add, pin/ls, dag/export', async () => {
  await checked('POST', '/api/v0/version');
  const form = new FormData();
  form.append('file', new Blob([new TextEncoder().encode('schema check')]), 'blob');
  const put = await checked('POST', '/api/v0/block/put?cid-codec=raw&mhtype=sha2-256', form);
  const block = await checked('POST', `/api/v0/block/get?arg=${put.Key}`);
  assert.equal(new TextDecoder().decode(block), 'schema check');
  await checked('POST', `/api/v0/pin/add?arg=${put.Key}`);
  assert.equal((await checked('POST', `/api/v0/pin/ls?arg=${put.Key}`)).Keys[put.Key].Type, 'recursive');
  await checked('POST', '/api/v0/pin/ls?type=direct');
  assert.equal((await checked('POST', '/api/v0/pin/ls?arg=bafkqaaa')).Type, 'error');
  await checked('POST', `/api/v0/dag/export?arg=${put.Key}`);
  const refused = await checked('POST', '/api/v0/block/get?arg=not-a-cid');
  assert.equal(refused.Type, 'error');
});

test('Pinning Service API: add, list, status, replace, remove, and its Failure answers', async () => {
  const auth = { authorization: 'Bearer devnet-pinning-token', 'content-type': 'application/json' };
  const form = new FormData();
  form.append('file', new Blob([new TextEncoder().encode('pin me')]), 'blob');
  const { Key } = await checked('POST', '/api/v0/block/put?cid-codec=raw', form);
  const added = await checked('POST', '/psa/pins', JSON.stringify({ cid: Key, name: 'receipt', meta: { app: 'arbiter' } }), auth);
  assert.equal(added.status, 'queued');
  await checked('GET', `/psa/pins/${added.requestid}`, undefined, auth);
  assert.equal((await checked('GET', `/psa/pins/${added.requestid}`, undefined, auth)).status, 'pinned');
  assert.equal((await checked('GET', `/psa/pins?cid=${Key}`, undefined, auth)).count, 1);
  const replaced = await checked('POST', `/psa/pins/${added.requestid}`, JSON.stringify({ cid: Key, origins: [] }), auth);
  assert.notEqual(replaced.requestid, added.requestid);
  await checked('DELETE', `/psa/pins/${replaced.requestid}`, undefined, auth);
  assert.equal((await checked('GET', `/psa/pins/${replaced.requestid}`, undefined, auth)).error.reason, 'NOT_FOUND');
  assert.equal((await checked('GET', '/psa/pins', undefined, {})).error.reason, 'UNAUTHORIZED');
  assert.equal((await checked('POST', '/psa/pins', '{"name":"no cid"}', auth)).error.reason, 'BAD_REQUEST');
  d.faults.set({ fail_next: 1, path_prefix: '/psa/' });
  assert.equal((await checked('GET', '/psa/pins', undefined, auth)).error.reason, 'INTERNAL_SERVER_ERROR');
});

test('every declared route was exercised above', () => {
  assert.deepEqual(ROUTES.map((r) => r.path).filter((p) => !seen.has(p)), []);
});
