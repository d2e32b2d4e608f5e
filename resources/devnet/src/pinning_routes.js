// The IPFS Pinning Service API (ipfs/pinning-services-api-spec, ipfs-pinning-service.yaml)
// under /psa: POST/GET /pins, GET/POST/DELETE /pins/{requestid}, bearer token, PinStatus /
// PinResults / Failure shapes and the queued/pinning/pinned/failed status values. A pin is
// queued when asked for, and pinned once the devnet's block store holds its CID (the service
// fetches from the IPFS network; here the network is the devnet's Kubo), pinning while not.
import { randomUUID } from 'node:crypto';
import { HttpError, json, readBody } from './http.js';
import { parseCid } from './ipfs_store.js';

export const PINNING_TOKEN = 'devnet-pinning-token';
const STATUSES = ['queued', 'pinning', 'pinned', 'failed'];
const DELEGATES = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWArbiterDevnetNode1111111111111111111111111'];
const MATCHES = ['exact', 'iexact', 'partial', 'ipartial'];

function failure(status, reason, details) {
  return new HttpError(status, { error: { reason, details } });
}

function authorize(req) {
  if ((req.headers.authorization ?? '') !== `Bearer ${PINNING_TOKEN}`) {
    throw failure(401, 'UNAUTHORIZED', 'Access token is missing or invalid');
  }
}

/** A Pin object from a request body, checked against the spec's schema. */
async function pinOf(req) {
  let body;
  try { body = JSON.parse((await readBody(req)).toString('utf8')); } catch {
    throw failure(400, 'BAD_REQUEST', 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || typeof body.cid !== 'string') throw failure(400, 'BAD_REQUEST', 'cid is required');
  if (!parseCid(body.cid)) throw failure(400, 'BAD_REQUEST', `invalid cid ${body.cid}`);
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.length > 255)) throw failure(400, 'BAD_REQUEST', 'name must be a string of at most 255 characters');
  const origins = body.origins ?? [];
  if (!Array.isArray(origins) || origins.length > 20 || origins.some((o) => typeof o !== 'string')) throw failure(400, 'BAD_REQUEST', 'origins must be at most 20 multiaddrs');
  const meta = body.meta ?? {};
  if (typeof meta !== 'object' || Array.isArray(meta) || Object.values(meta).some((v) => typeof v !== 'string')) throw failure(400, 'BAD_REQUEST', 'meta values must be strings');
  const pin = { cid: body.cid };
  if (body.name !== undefined) pin.name = body.name;
  if (body.origins !== undefined) pin.origins = origins;
  if (body.meta !== undefined) pin.meta = meta;
  return pin;
}

/** The pin requests of one token, with their status moving as the block store fills. */
export class Pins {
  /** @param chain with a fixed chain clock, request times follow it and ids are numbered */
  constructor(store, chain = null) { this.store = store; this.chain = chain; this.requests = new Map(); this.clock = 0; }

  add(pin) {
    // created must be unique per request (the spec paginates by it): a strictly rising clock
    const fixed = Boolean(this.chain?.clock);
    this.clock = Math.max(this.clock + 1, fixed ? this.chain.clockTime() * 1000 : Date.now());
    const requestid = fixed ? `00000000-0000-4000-8000-${this.requests.size.toString(16).padStart(12, '0')}` : randomUUID();
    const request = { requestid, status: 'queued', created: new Date(this.clock).toISOString(), pin, delegates: DELEGATES, info: {} };
    this.requests.set(request.requestid, request);
    return request;
  }

  get(requestid) {
    const request = this.requests.get(requestid);
    if (!request) throw failure(404, 'NOT_FOUND', 'The specified resource was not found');
    return this.refresh(request);
  }

  refresh(request) {
    if (request.status === 'queued') request.status = 'pinning';
    else if (request.status === 'pinning' && this.store.has(parseCid(request.pin.cid))) request.status = 'pinned';
    return request;
  }
}

function list(pins, url) {
  const q = url.searchParams;
  const cids = q.getAll('cid').flatMap((c) => c.split(','));
  const statuses = q.getAll('status').flatMap((s) => s.split(','));
  if (statuses.some((s) => !STATUSES.includes(s))) throw failure(400, 'BAD_REQUEST', 'unknown status');
  if (cids.length > 10) throw failure(400, 'BAD_REQUEST', 'at most 10 cids');
  const limit = Number(q.get('limit') ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw failure(400, 'BAD_REQUEST', 'limit must be 1 to 1000');
  const match = q.get('match') ?? 'exact';
  if (!MATCHES.includes(match)) throw failure(400, 'BAD_REQUEST', 'unknown match');
  const name = q.get('name');
  const named = (n) => {
    if (name === null) return true;
    if (n === undefined) return false;
    const [a, b] = match.startsWith('i') ? [n.toLowerCase(), name.toLowerCase()] : [n, name];
    return match.endsWith('partial') ? a.includes(b) : a === b;
  };
  const before = q.get('before'), after = q.get('after');
  const wanted = statuses.length ? statuses : ['pinned']; // no status filter: successful pins only
  const found = [...pins.requests.values()].map((r) => pins.refresh(r))
    .filter((r) => wanted.includes(r.status) && (!cids.length || cids.includes(r.pin.cid)) && named(r.pin.name)
      && (before === null || r.created < before) && (after === null || r.created > after))
    .sort((a, b) => (a.created < b.created ? 1 : -1));
  return json({ count: found.length, results: found.slice(0, limit) });
}

/** Register the pinning service's routes under /psa, serving the requests held in `pins`. */
export function pinningRoutes(router, pins) {
  const route = (method, re, fn) => router.add(method, re, async (req, m, url) => { authorize(req); return fn(req, m, url); });
  route('GET', /^\/psa\/pins$/, (req, m, url) => list(pins, url));
  route('POST', /^\/psa\/pins$/, async (req) => json(pins.add(await pinOf(req)), 202));
  route('GET', /^\/psa\/pins\/([^/]+)$/, (req, m) => json(pins.get(m[1])));
  route('POST', /^\/psa\/pins\/([^/]+)$/, async (req, m) => {
    pins.get(m[1]);
    const replaced = pins.add(await pinOf(req));
    pins.requests.delete(m[1]);
    return json(replaced, 202);
  });
  route('DELETE', /^\/psa\/pins\/([^/]+)$/, (req, m) => {
    pins.get(m[1]);
    pins.requests.delete(m[1]);
    return { status: 202, body: '', headers: {} };
  });
  return router;
}
