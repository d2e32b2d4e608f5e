// Service tests of the IPFS side: files added over the Kubo RPC get the CIDs of Kubo's
// defaults (published vectors, and the UnixFS importer run here with Kubo's parameters), and
// come back through cat, block/get, dag/export and the trustless gateway (raw and CAR),
// every block checked against its CID; Kubo's error shapes and the withheld-block fault.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { CarReader } from '@ipld/car';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import * as dagPb from '@ipld/dag-pb';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { MemoryBlockstore } from 'blockstore-core';
import { exporter } from 'ipfs-unixfs-exporter';
import { devnet } from './helpers.js';

console.log = () => {};
let d;
before(async () => { d = await devnet(false); });
after(() => d.close());

/** Kubo's deterministic test bytes: ChaCha20 keystream, key sha256(seed), zero nonce. */
function seeded(seed, size) {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

async function add(bytes, query = '') {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'f.bin');
  const r = await fetch(`${d.url}/api/v0/add${query}`, { method: 'POST', body: form });
  assert.equal(r.status, 200);
  return JSON.parse((await r.text()).trim().split('\n').pop());
}

async function reference(bytes, cidVersion, rawLeaves = cidVersion === 1) {
  const opts = { cidVersion, rawLeaves, chunker: fixedSize({ chunkSize: 262144 }),
    layout: balanced({ maxChildrenPerNode: 174 }) };
  let last;
  for await (const e of importer([{ content: bytes }], new MemoryBlockstore(), opts)) last = e;
  return last.cid.toString();
}

async function verifyBlock(cid, bytes) {
  assert.deepEqual((await sha256.digest(bytes)).digest, cid.multihash.digest, `block ${cid} does not hash to its CID`);
}

const VECTORS = [
  ['hello world\\n, Kubo default', new TextEncoder().encode('hello world\n'), '', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'],
  ['hello world, Kubo default', new TextEncoder().encode('hello world'), '', 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'],
  ['hello world\\n, cid-version=1', new TextEncoder().encode('hello world\n'), '?cid-version=1', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'],
  ['empty file, Kubo default', new Uint8Array(0), '', 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
  ['262145 bytes, Kubo default (two chunks)', seeded('chunk-v0-seed', 262145), '', 'QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ'],
  ['262145 bytes, cid-version=1', seeded('chunk-v0-seed', 262145), '?cid-version=1', 'bafybeibyui7o3sbw3yifnewshhrbnuntcehluzvbkwgi5vmtsdobnc2c6y'],
  ['hello world\\n, raw-leaves=true on CIDv0: a raw root', new TextEncoder().encode('hello world\n'), '?raw-leaves=true', 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4'],
];
for (const [name, bytes, query, expected] of VECTORS) {
  test(`add gives the published CID: ${name}`, async () => {
    const out = await add(bytes, query);
    assert.equal(out.Hash, expected);
    const v1 = query.includes('cid-version=1');
    assert.equal(out.Hash, await reference(bytes, v1 ? 1 : 0, v1 || query.includes('raw-leaves=true')));
    assert.equal(typeof out.Size, 'string');
  });
}

test('cat, block/get and the raw gateway return verified bytes', async () => {
  const bytes = seeded('cat-seed', 600000);
  const { Hash } = await add(bytes);
  const cat = new Uint8Array(await (await fetch(`${d.url}/api/v0/cat?arg=${Hash}`, { method: 'POST' })).arrayBuffer());
  assert.deepEqual(Buffer.from(cat), bytes);
  const part = await (await fetch(`${d.url}/api/v0/cat?arg=/ipfs/${Hash}&offset=262140&length=10`, { method: 'POST' })).arrayBuffer();
  assert.deepEqual(Buffer.from(part), bytes.subarray(262140, 262150));
  const cid = CID.parse(Hash);
  const root = new Uint8Array(await (await fetch(`${d.url}/api/v0/block/get?arg=${Hash}`, { method: 'POST' })).arrayBuffer());
  await verifyBlock(cid, root);
  const links = dagPb.decode(root).Links;
  assert.equal(links.length, 3);
  for (const query of ['', '?format=raw']) {
    const headers = query ? {} : { accept: 'application/vnd.ipld.raw' };
    const r = await fetch(`${d.url}/ipfs/${links[0].Hash}${query}`, { headers });
    assert.equal(r.headers.get('content-type'), 'application/vnd.ipld.raw');
    await verifyBlock(links[0].Hash, new Uint8Array(await r.arrayBuffer()));
  }
});

test('the CAR gateway and dag/export carry the whole DAG, depth first, each block valid', async () => {
  const bytes = seeded('car-seed', 700000);
  const { Hash } = await add(bytes);
  for (const [url, init] of [[`/ipfs/${Hash}`, { headers: { accept: 'application/vnd.ipld.car' } }],
    [`/ipfs/${Hash}?format=car`, {}], [`/api/v0/dag/export?arg=${Hash}`, { method: 'POST' }]]) {
    const r = await fetch(d.url + url, init);
    assert.equal(r.status, 200);
    const reader = await CarReader.fromBytes(new Uint8Array(await r.arrayBuffer()));
    assert.deepEqual((await reader.getRoots()).map(String), [Hash]);
    const blocks = [];
    for await (const b of reader.blocks()) { await verifyBlock(b.cid, b.bytes); blocks.push(b); }
    assert.equal(blocks.length, 4);
    assert.equal(blocks[0].cid.toString(), Hash);
    // the reference exporter reads the file back from the CAR's blocks alone
    const bs = new MemoryBlockstore();
    for (const b of blocks) await bs.put(b.cid, b.bytes);
    const parts = [];
    for await (const c of (await exporter(CID.parse(Hash), bs)).content()) parts.push(c);
    assert.deepEqual(Buffer.concat(parts), bytes);
  }
  const one = await CarReader.fromBytes(new Uint8Array(await (await fetch(`${d.url}/ipfs/${Hash}?format=car&dag-scope=block`)).arrayBuffer()));
  let n = 0;
  for await (const _ of one.blocks()) n++;
  assert.equal(n, 1);
});

test('block/put stores a raw block whose CID is CIDv1(raw, sha2-256)', async () => {
  const doc = new TextEncoder().encode(JSON.stringify({ schema: 'bitmind-invoice/1', title: 't' }));
  const form = new FormData();
  form.append('data', new Blob([doc]), 'data');
  const r = await (await fetch(`${d.url}/api/v0/block/put?cid-codec=raw&mhtype=sha2-256`, { method: 'POST', body: form })).json();
  const expected = CID.createV1(0x55, await sha256.digest(doc)).toString();
  assert.deepEqual(r, { Key: expected, Size: doc.length });
  assert.match(expected, /^bafkrei/);
  const back = await fetch(`${d.url}/ipfs/${expected}`, { headers: { accept: 'application/vnd.ipld.raw' } });
  assert.deepEqual(Buffer.from(await back.arrayBuffer()), Buffer.from(doc));
});

test('block/put pins only with pin=true, and pin/ls answers as Kubo does', async () => {
  const put = async (text, query) => {
    const form = new FormData();
    form.append('data', new Blob([new TextEncoder().encode(text)]), 'data');
    return (await (await fetch(`${d.url}/api/v0/block/put?cid-codec=raw${query}`, { method: 'POST', body: form })).json()).Key;
  };
  const ls = (query) => fetch(`${d.url}/api/v0/pin/ls?${query}`, { method: 'POST' });
  const loose = await put('not pinned', '');
  const kept = await put('pinned on put', '&pin=true');
  const notPinned = await ls(`arg=${loose}`);
  assert.equal(notPinned.status, 500);
  assert.deepEqual(await notPinned.json(), { Message: `path '${loose}' is not pinned`, Code: 0, Type: 'error' });
  assert.deepEqual(await (await ls(`arg=${kept}`)).json(), { Keys: { [kept]: { Type: 'recursive', Name: '' } } });
  await fetch(`${d.url}/api/v0/pin/add?arg=${loose}&recursive=false`, { method: 'POST' });
  assert.deepEqual(await (await ls(`arg=${loose}&type=direct`)).json(), { Keys: { [loose]: { Type: 'direct', Name: '' } } });
  assert.equal((await ls(`arg=${kept}&type=direct`)).status, 500);
  const all = (await (await ls('')).json()).Keys;
  assert.equal(all[kept].Type, 'recursive');
  assert.equal(all[loose].Type, 'direct');
  assert.equal((await ls('type=sideways')).status, 500);
});

test('Kubo error shapes: missing block, bad CID, GET on the RPC, unknown command', async () => {
  const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
  const r1 = await fetch(`${d.url}/api/v0/block/get?arg=${missing}`, { method: 'POST' });
  assert.equal(r1.status, 500);
  const e1 = await r1.json();
  assert.equal(e1.Type, 'error');
  assert.equal(e1.Code, 0);
  assert.match(e1.Message, /not found/);
  const r2 = await fetch(`${d.url}/api/v0/block/get?arg=not-a-cid`, { method: 'POST' });
  assert.equal(r2.status, 400);
  assert.equal((await r2.json()).Code, 1);
  assert.equal((await fetch(`${d.url}/api/v0/version`)).status, 405);
  assert.equal((await fetch(`${d.url}/api/v0/nothing`, { method: 'POST' })).status, 404);
  assert.equal((await fetch(`${d.url}/ipfs/${missing}?format=raw`)).status, 404);
  const v = await (await fetch(`${d.url}/api/v0/version`, { method: 'POST' })).json();
  assert.equal(v.Version, '0.40.0');
});

test('the bafkqaaa probe answers an empty raw block and a CAR', async () => {
  const raw = await fetch(`${d.url}/ipfs/bafkqaaa?format=raw`);
  assert.equal(raw.status, 200);
  assert.equal((await raw.arrayBuffer()).byteLength, 0);
  const car = await CarReader.fromBytes(new Uint8Array(await (await fetch(`${d.url}/ipfs/bafkqaaa?format=car`)).arrayBuffer()));
  assert.deepEqual((await car.getRoots()).map(String), ['bafkqaaa']);
});

test('a withheld block is missing everywhere; a withheld child cuts the CAR short', async () => {
  const { Hash } = await add(seeded('withheld-seed', 600000));
  const root = dagPb.decode(new Uint8Array(await (await fetch(`${d.url}/api/v0/block/get?arg=${Hash}`, { method: 'POST' })).arrayBuffer()));
  const child = root.Links[1].Hash.toString();
  d.faults.set({ withhold_blocks: [child] });
  try {
    assert.equal((await fetch(`${d.url}/ipfs/${child}?format=raw`)).status, 404);
    assert.equal((await fetch(`${d.url}/api/v0/block/get?arg=${child}`, { method: 'POST' })).status, 500);
    const r = await fetch(`${d.url}/ipfs/${Hash}?format=car`);
    assert.equal(r.status, 200);
    assert.ok(r.headers.get('x-stream-error'));
    const reader = await CarReader.fromBytes(new Uint8Array(await r.arrayBuffer()));
    const cids = [];
    for await (const b of reader.blocks()) cids.push(b.cid.toString());
    assert.equal(cids.length, 2);
    assert.ok(!cids.includes(child));
  } finally {
    d.faults.reset();
  }
  assert.equal((await fetch(`${d.url}/ipfs/${child}?format=raw`)).status, 200);
});

test('fault switches: HTTP 500 for the next N requests under a prefix, truncated bodies', async () => {
  d.faults.set({ fail_next: 2, path_prefix: '/v2/info' });
  assert.equal((await fetch(`${d.url}/api/v0/version`, { method: 'POST' })).status, 200);
  assert.equal((await fetch(`${d.url}/v2/info`)).status, 500);
  assert.equal((await fetch(`${d.url}/v2/info`)).status, 500);
  assert.equal((await fetch(`${d.url}/v2/info`)).status, 200);
  const full = await (await fetch(`${d.url}/api/v0/version`, { method: 'POST' })).text();
  d.faults.set({ truncate_next: 1 });
  const cut = await (await fetch(`${d.url}/api/v0/version`, { method: 'POST' })).text();
  assert.equal(cut, full.slice(0, Math.floor(full.length / 2)));
  assert.equal(await (await fetch(`${d.url}/api/v0/version`, { method: 'POST' })).text(), full);
  const state = await (await fetch(`${d.url}/admin/faults`, { method: 'POST', body: JSON.stringify({ delay_ms: 5 }) })).json();
  assert.equal(state.delay_ms, 5);
  const bad = await fetch(`${d.url}/admin/faults`, { method: 'POST', body: JSON.stringify({ explode: true }) });
  assert.equal(bad.status, 400);
  d.faults.reset();
});

test('connection faults: reset before handling, or handle and drop the reply', async () => {
  d.faults.set({ reset_next: 1, path_prefix: '/v2/info' });
  await assert.rejects(fetch(`${d.url}/v2/info`));
  assert.equal((await fetch(`${d.url}/v2/info`)).status, 200);
  const tip = d.chain.tipHeight;
  d.faults.set({ drop_reply_next: 1, path_prefix: '/admin/mine' });
  // admin requests are never faulted; a faulted public request still runs before the drop
  assert.equal((await fetch(`${d.url}/admin/mine`, { method: 'POST', body: '{}' })).status, 200);
  assert.equal(d.chain.tipHeight, tip + 1);
  d.faults.set({ drop_reply_next: 1, path_prefix: '/api/v0/block/put' });
  const form = new FormData();
  form.append('data', new Blob([new TextEncoder().encode('dropped reply')]), 'data');
  await assert.rejects(fetch(`${d.url}/api/v0/block/put`, { method: 'POST', body: form }));
  const cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('dropped reply')));
  assert.equal((await fetch(`${d.url}/ipfs/${cid}?format=raw`)).status, 200);
  d.faults.reset();
});

test('paths under a file CID are not found, and an RPC failure keeps the Kubo error shape', async () => {
  const { Hash } = await add(new TextEncoder().encode('a file, not a directory\n'));
  assert.equal((await fetch(`${d.url}/ipfs/${Hash}/inner.txt?format=car`)).status, 404);
  assert.equal((await fetch(`${d.url}/ipfs/${Hash}/inner.txt`)).status, 404);
  const raw = await (await fetch(`${d.url}/api/v0/block/put?cid-codec=raw`, { method: 'POST',
    body: (() => { const f = new FormData(); f.append('data', new Blob([new Uint8Array([0x12, 0x34])]), 'd'); return f; })() })).json();
  const r = await fetch(`${d.url}/api/v0/cat?arg=${raw.Key.replace('bafkrei', 'bafybei')}`, { method: 'POST' });
  const body = await r.json();
  assert.equal(body.Type, 'error');
  assert.equal(typeof body.Message, 'string');
});
