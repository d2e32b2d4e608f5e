// The IPFS HTTP surface: the Kubo RPC subset (POST /api/v0/..., errors as
// {"Message","Code","Type":"error"}, docs/ipfs.md §5) and a trustless gateway
// (GET /ipfs/{cid} answering application/vnd.ipld.raw and application/vnd.ipld.car, docs/ipfs.md §4).
import { HttpError, json, readBody, reply } from './http.js';
import { parseCid } from './ipfs_store.js';

export const KUBO_VERSION = '0.40.0';
const RAW = 'application/vnd.ipld.raw';
const CAR = 'application/vnd.ipld.car';

function kuboError(message, code = 0, status = 500) {
  return new HttpError(status, { Message: message, Code: code, Type: 'error' });
}

/** Split a multipart/form-data body into its parts. */
export function multipart(req, body) {
  const m = (req.headers['content-type'] ?? '').match(/boundary=(?:"([^"]+)"|([^;]+))/);
  if (!m) throw kuboError('file argument was nil', 1, 400);
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts = [];
  let pos = body.indexOf(boundary);
  while (pos >= 0) {
    const start = pos + boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    if (headEnd < 0) break;
    const next = body.indexOf(boundary, headEnd);
    if (next < 0) break;
    const headers = body.subarray(start + 2, headEnd).toString('utf8');
    const name = headers.match(/filename="([^"]*)"/i)?.[1] ?? headers.match(/name="([^"]*)"/i)?.[1] ?? '';
    const type = headers.match(/content-type:\s*([^\r\n]+)/i)?.[1] ?? 'application/octet-stream';
    parts.push({ name: decodeURIComponent(name), type, data: body.subarray(headEnd + 4, next - 2) });
    pos = next;
  }
  if (!parts.length) throw kuboError('file argument was nil', 1, 400);
  return parts;
}

function flag(url, name, dflt) {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  return v === '' || v === 'true' || v === '1';
}

function argCid(url) {
  const arg = url.searchParams.get('arg');
  if (!arg) throw kuboError('argument "cid" is required', 1, 400);
  const cid = parseCid(arg);
  if (!cid) throw kuboError(`invalid path "${arg}": invalid cid`, 1, 400);
  return cid;
}

/** Every RPC failure answers in Kubo's error shape (go-ipfs-cmds error.go). */
async function guard(fn) {
  try { return await fn(); } catch (e) {
    if (e instanceof HttpError) throw e;
    throw kuboError(String(e.message ?? e));
  }
}

async function add(store, req, url) {
  const cidVersion = Number(url.searchParams.get('cid-version') ?? 0);
  if (![0, 1].includes(cidVersion)) throw kuboError(`unknown CID version ${cidVersion}`, 1, 400);
  const hash = url.searchParams.get('hash') ?? 'sha2-256';
  if (hash !== 'sha2-256') throw kuboError(`this devnet supports only sha2-256, not ${hash}`, 1, 400);
  const chunker = url.searchParams.get('chunker') ?? 'size-262144';
  const cm = chunker.match(/^size-(\d+)$/);
  if (!cm || Number(cm[1]) < 1 || Number(cm[1]) > MAX_CHUNK) throw kuboError(`unsupported chunker ${chunker}`, 1, 400);
  const rawLeaves = url.searchParams.has('raw-leaves') ? flag(url, 'raw-leaves', false) : cidVersion === 1;
  const parts = multipart(req, await readBody(req));
  const lines = [];
  for (const p of parts) {
    if (p.type === 'application/x-directory') continue;
    const { cid, size } = await store.addFile(new Uint8Array(p.data), {
      cidVersion, rawLeaves, chunkSize: Number(cm[1]), onlyHash: flag(url, 'only-hash', false),
    });
    lines.push(JSON.stringify({ Name: p.name || cid.toString(), Hash: cid.toString(), Size: String(size) }));
  }
  return reply(200, lines.join('\n') + '\n', { 'content-type': 'application/json', 'x-chunked-output': '1' });
}
const MAX_CHUNK = 2 * 1024 * 1024 - 256;

async function blockPut(store, req, url) {
  const codec = url.searchParams.get('cid-codec') ?? url.searchParams.get('format') ?? 'raw';
  const mh = url.searchParams.get('mhtype') ?? 'sha2-256';
  if (mh !== 'sha2-256') throw kuboError(`this devnet supports only sha2-256, not ${mh}`, 1, 400);
  if (!['raw', 'dag-pb', 'dag-json', 'v0'].includes(codec)) throw kuboError(`unsupported cid-codec ${codec}`, 1, 400);
  const [part] = multipart(req, await readBody(req));
  if (part.data.length > 2 * 1024 * 1024) throw kuboError('produced block is over 2MiB: big blocks can\'t be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files, or pass --allow-big-block to override', 1, 400);
  let cid;
  try { cid = await store.putBlock(new Uint8Array(part.data), codec === 'v0' ? 'dag-pb' : codec); } catch (e) {
    throw kuboError(`not a ${codec} block: ${e.message}`, 1, 400);
  }
  // Kubo's pin option: "Pin added blocks recursively", default false (core/commands/block.go)
  if (flag(url, 'pin', false)) store.pins.set(cid.toString(), 'recursive');
  return json({ Key: cid.toString(), Size: part.data.length });
}

const PIN_TYPES = ['direct', 'indirect', 'recursive', 'all'];

/** pin/add as Kubo answers it: {"Pins": [cid]}, recursive unless recursive=false. */
function pinAdd(store, url) {
  const cid = argCid(url);
  store.getBytes(cid);
  const type = flag(url, 'recursive', true) ? 'recursive' : 'direct';
  if (store.pins.get(cid.toString()) !== 'recursive') store.pins.set(cid.toString(), type);
  return json({ Pins: [cid.toString()] });
}

/**
 * pin/ls as Kubo answers it without stream: {"Keys": {cid: {"Type", "Name"}}}; with
 * arguments, an error naming the first argument that is not pinned (core/commands/pin/pin.go).
 * Indirect pins are not tracked here: a block reached only through a recursive pin's DAG is
 * answered as not pinned, never as pinned when it is not.
 */
function pinLs(store, url) {
  const type = url.searchParams.get('type') ?? 'all';
  if (!PIN_TYPES.includes(type)) throw kuboError(`invalid type '${type}', must be one of {direct, indirect, recursive, all}`);
  const keys = {};
  const args = url.searchParams.getAll('arg');
  if (args.length) {
    for (const arg of args) {
      const cid = parseCid(arg);
      if (!cid) throw kuboError(`invalid path "${arg}": invalid cid`, 1, 400);
      const pinned = store.pins.get(cid.toString());
      if (!pinned || (type !== 'all' && type !== pinned)) throw kuboError(`path '${arg}' is not pinned`);
      keys[cid.toString()] = { Type: pinned, Name: '' };
    }
  } else {
    for (const [cid, pinned] of store.pins) if (type === 'all' || type === pinned) keys[cid] = { Type: pinned, Name: '' };
  }
  // Keys is omitempty in Kubo's PinLsList: no pins answers {}
  return json(Object.keys(keys).length ? { Keys: keys } : {});
}

function wantsFormat(req, url) {
  const f = url.searchParams.get('format');
  if (f === 'raw') return RAW;
  if (f === 'car') return CAR;
  if (f) throw new HttpError(400, `unsupported format ${f}`);
  const accept = req.headers.accept ?? '';
  if (accept.includes(RAW)) return RAW;
  if (accept.includes(CAR)) return CAR;
  return null;
}

async function gateway(store, req, m, url) {
  const cid = parseCid(m[1]);
  if (!cid) throw new HttpError(400, `invalid CID ${m[1]}`);
  const path = m[2] ?? '';
  const format = wantsFormat(req, url);
  const common = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=29030400, immutable', 'x-ipfs-path': url.pathname };
  if (cid.multihash.code === 0x00) {
    // identity CIDs (e.g. the bafkqaaa probe) carry their bytes inline
    if (format === CAR) return reply(200, (await carOf(cid)), { ...common, 'content-type': `${CAR}; version=1; order=dfs; dups=n` });
    return reply(200, cid.multihash.digest, { ...common, 'content-type': RAW });
  }
  if (path && format === RAW) throw new HttpError(400, 'path segments are not allowed with application/vnd.ipld.raw');
  if (path && path !== '/') {
    // everything stored here is a file or a raw block: there are no named links to follow
    throw new HttpError(404, `no link named "${path.split('/')[1]}" under ${cid}`);
  }
  if (!store.has(cid)) throw new HttpError(404, `ipfs resolve -r /ipfs/${cid}: block was not found locally (offline): ipld: could not find ${cid}`);
  if (format === RAW) {
    return reply(200, store.getBytes(cid), { ...common, 'content-type': RAW, etag: `"${cid}.raw"`,
      'content-disposition': `attachment; filename="${cid}.bin"` });
  }
  if (format === CAR) {
    const scope = url.searchParams.get('dag-scope') ?? 'all';
    if (!['all', 'entity', 'block'].includes(scope)) throw new HttpError(400, `unsupported dag-scope ${scope}`);
    if ((url.searchParams.get('car-version') ?? '1') !== '1') throw new HttpError(400, 'only CAR version 1 is supported');
    const { car, complete } = await store.exportCar(cid, scope);
    const headers = { ...common, 'content-type': `${CAR}; version=1; order=dfs; dups=n`, 'accept-ranges': 'none',
      'content-disposition': `attachment; filename="${cid}.car"`, etag: `W/"${cid}.car"` };
    if (!complete) headers['x-stream-error'] = 'a block of the DAG is not available';
    return reply(200, car, headers);
  }
  // deserialized response (path gateway): the reassembled file
  return reply(200, await store.cat(cid), { ...common, 'content-type': 'application/octet-stream', etag: `"${cid}"` });
}

async function carOf(cid) {
  const { CarWriter } = await import('@ipld/car');
  const { writer, out } = CarWriter.create([cid]);
  const parts = [];
  const done = (async () => { for await (const p of out) parts.push(p); })();
  await writer.close();
  await done;
  return new Uint8Array(Buffer.concat(parts));
}

/** Register the IPFS routes. */
export function ipfsRoutes(router, store, faults) {
  const api = (name, fn) => router.add('POST', new RegExp(`^/api/v0/${name}$`), (req, m, url) => guard(() => fn(req, url)));
  api('version', () => json({ Version: KUBO_VERSION, Commit: 'devnet', Repo: '16', System: `${process.arch}/${process.platform}`, Golang: 'go1.25' }));
  api('id', () => json({ ID: '12D3KooWArbiterDevnetNode1111111111111111111111111', PublicKey: '', Addresses: [],
    AgentVersion: `kubo/${KUBO_VERSION}/devnet`, Protocols: [] }));
  api('add', (req, url) => add(store, req, url));
  api('block/put', (req, url) => blockPut(store, req, url));
  api('block/get', (req, url) => reply(200, store.getBytes(argCid(url)), { 'content-type': 'text/plain' }));
  api('block/stat', (req, url) => { const c = argCid(url); return json({ Key: c.toString(), Size: store.getBytes(c).length }); });
  api('cat', async (req, url) => {
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const length = url.searchParams.has('length') ? Number(url.searchParams.get('length')) : undefined;
    return reply(200, await store.cat(argCid(url), offset, length), { 'content-type': 'text/plain', 'x-stream-output': '1' });
  });
  api('dag/export', async (req, url) => {
    const cid = argCid(url);
    const { car, complete } = await store.exportCar(cid, 'all');
    const headers = { 'content-type': CAR };
    if (!complete) headers['x-stream-error'] = `block was not found locally (offline): a block under ${cid} is missing`;
    return reply(200, car, headers);
  });
  api('pin/add', (req, url) => pinAdd(store, url));
  api('pin/ls', (req, url) => pinLs(store, url));
  router.add('GET', /^\/ipfs\/([^/?]+)(\/.*)?$/, (req, m, url) => gateway(store, req, m, url));
  return router;
}
