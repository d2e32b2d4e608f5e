// The seed scenario, read back only through the public APIs (contract logs, call-read,
// gateway), the way the app will see it: invoices in every status, arbiter_1's disputes with
// evidence from both parties in bitmind-evidence/1 manifests, the seed's special cases,
// terms as raw blocks whose sha256 is the metadata-hash, and the bench disputes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hexToCV, cvToValue } from '@stacks/transactions';
import { CID } from 'multiformats/cid';
import { devnet, callRead, Cl } from './helpers.js';

console.log = () => {};
let d, escrow, logs;

before(async () => {
  d = await devnet(true);
  escrow = `${d.chain.deployer}.escrow-secure`;
  logs = (await (await d.get(`/extended/v2/smart-contracts/${escrow}/logs?limit=100`)).json()).results
    .map((l) => cvToValue(hexToCV(l.contract_log.value.hex)));
});
after(() => d.close());

const v = (tuple, key) => tuple[key]?.value;

async function invoice(id) {
  const r = await callRead(d, escrow, 'get-invoice', [Cl.uint(id)]);
  return cvToValue(hexToCV(r.result)).value;
}

async function gatewayJson(cid) {
  const r = await d.get(`/ipfs/${cid}`);
  assert.equal(r.status, 200, `no document at ${cid}`);
  return r.json();
}

test('invoices exist in every status: open, funded, released, disputed, refunded', async () => {
  const ids = [...new Set(logs.filter((l) => v(l, 'event') === 'invoice-created').map((l) => Number(v(l, 'invoice-id'))))];
  const statuses = new Set();
  for (const id of ids) statuses.add(Number(v(await invoice(id), 'status')));
  assert.deepEqual([...statuses].sort(), [0, 1, 2, 3, 4]);
});

test('arbiter_1 has at least four open disputes with evidence from both parties, found from events alone', async () => {
  const arbiter = d.account('arbiter_1').address;
  const raised = logs.filter((l) => v(l, 'event') === 'dispute-raised' && v(l, 'arbiter') === arbiter);
  const open = [];
  for (const l of raised) if (Number(v(await invoice(Number(v(l, 'invoice-id'))), 'status')) === 3) open.push(l);
  assert.ok(open.length >= 4, `only ${open.length} open disputes`);
  const mediaTypes = new Set();
  for (const l of open) {
    const id = Number(v(l, 'invoice-id'));
    const items = logs.filter((e) => v(e, 'event') === 'evidence-submitted' && Number(v(e, 'invoice-id')) === id);
    const inv = await invoice(id);
    const submitters = new Set(items.map((e) => v(e, 'submitter')));
    assert.ok(submitters.has(v(inv, 'payer')) && submitters.has(v(inv, 'payee')), `dispute ${id} lacks a party's evidence`);
    for (const e of items) {
      const m = await gatewayJson(v(e, 'cid'));
      assert.equal(m.schema, 'bitmind-evidence/1');
      assert.equal(m.invoice_id, id);
      for (const f of m.files) { mediaTypes.add(f.media_type); assert.ok(CID.parse(f.cid)); }
    }
  }
  for (const t of ['text/plain', 'application/pdf', 'image/png']) assert.ok(mediaTypes.has(t), `no ${t} evidence`);
});

test('terms are raw blocks whose sha256 is the on-chain metadata-hash', async () => {
  const summary = await (await d.get('/admin/seed')).json();
  const inv = await invoice(101);
  const hash = v(inv, 'metadata-hash').value.replace(/^0x/, '');
  const cid = summary.invoices[101].terms_cid;
  const raw = Buffer.from(await (await d.get(`/ipfs/${cid}?format=raw`)).arrayBuffer());
  assert.equal(createHash('sha256').update(raw).digest('hex'), hash);
  assert.equal(CID.parse(cid).code, 0x55);
  assert.equal(JSON.parse(raw).schema, 'bitmind-invoice/1');
});

test('the special cases: over 10 sBTC, low AI confidence, a missing file, a mismatched CID, arbiter_2', async () => {
  const s = await (await d.get('/admin/seed')).json();
  assert.ok(BigInt(v(await invoice(s.special.over_10_sbtc), 'amount')) > 1_000_000_000n);
  const terms = await gatewayJson(s.invoices[s.special.low_confidence_terms].terms_cid);
  assert.ok(terms.ai_parse.confidence < 0.8);
  assert.equal((await d.get(`/ipfs/${s.special.missing_file.cid}?format=raw`)).status, 404);
  const declared = s.special.cid_mismatch;
  const actual = Buffer.from(await (await d.get(`/ipfs/${declared.declared_cid}`)).arrayBuffer());
  assert.notEqual(actual.length, declared.declared_size);
  assert.notEqual(actual.subarray(0, 4).toString('latin1'), '%PDF');
  const arbiter2 = d.account('arbiter_2').address;
  assert.ok(logs.some((l) => v(l, 'event') === 'dispute-raised' && v(l, 'arbiter') === arbiter2));
  const ruling = cvToValue(hexToCV((await callRead(d, escrow, 'get-ruling', [Cl.uint(106)])).result)).value;
  const doc = Buffer.from(await (await d.get(`/ipfs/${s.disputes[106].ruling.rationale_cid}?format=raw`)).arrayBuffer());
  assert.equal(v(ruling, 'rationale-hash'), '0x' + createHash('sha256').update(doc).digest('hex'));
  const rationale = JSON.parse(doc);
  assert.equal(rationale.schema, 'bitmind-rationale/1');
  assert.deepEqual(rationale.steps.map((x) => x.step), [1, 2, 3, 4, 5, 6]);
});

test('/admin/seed-bench adds disputes for arbiter_1', async () => {
  const r = await (await d.postJson('/admin/seed-bench', { disputes: 3 })).json();
  assert.equal(r.created, 3);
  for (let id = r.first_id; id <= r.last_id; id++) {
    const inv = await invoice(id);
    assert.equal(Number(v(inv, 'status')), 3);
    assert.equal(v(inv, 'arbiter'), d.account('arbiter_1').address);
  }
  assert.equal((await d.postJson('/admin/seed-bench', { disputes: 0 })).status, 400);
});
