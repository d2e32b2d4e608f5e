// The one HTTP server's plumbing: a small router, body reading, JSON replies, and the fault
// switches applied to every response (delay, HTTP 500 for the next N requests, bodies cut in
// half), so that clients can be tested against an unreliable server (docs/reliability.md §5).

/**
 * The admin-set fault switches (contracts brief: POST /admin/faults), plus two connection
 * faults for broadcast tests (docs/reliability.md T5.1): `reset_next` closes the connection before
 * the request is handled, `drop_reply_next` handles it (a broadcast is accepted) and then
 * closes the connection without a reply; and two stale-node faults (T5.2): `tip_lag` makes
 * /v2/info report the tip N blocks behind, `freeze_tip` stops its tip where it was;
 * `fail_status`/`retry_after` shape the fail_next answers (e.g. 429 with Retry-After, T5.4)
 * and `lie_tx_status` (txid → status) makes the extended API misreport a transaction;
 * `hold_txs` keeps accepted transactions pending in the mempool until POST /admin/mine.
 */
export class Faults {
  constructor() { this.reset(); }

  reset() {
    this.delayMs = 0;
    this.failNext = 0;
    this.failPrefix = '';
    this.failStatus = 500;
    this.retryAfter = null;
    this.lieTxStatus = {};
    this.holdTxs = false;
    this.truncateNext = 0;
    this.truncatePrefix = '';
    this.resetNext = 0;
    this.dropNext = 0;
    this.dropPrefix = '';
    this.withheld = new Set();
    this.lieCallRead = {};
    this.tipLag = 0;
    this.frozenTip = null;
  }

  /** Apply a JSON object of switches; unknown names are refused. */
  set(s) {
    const known = ['delay_ms', 'fail_next', 'truncate_next', 'path_prefix', 'withhold_blocks', 'lie_call_read',
      'reset_next', 'drop_reply_next', 'tip_lag', 'freeze_tip', 'fail_status', 'retry_after', 'lie_tx_status', 'hold_txs'];
    for (const k of Object.keys(s)) if (!known.includes(k)) throw new Error(`unknown fault switch ${k}`);
    if ('delay_ms' in s) this.delayMs = Number(s.delay_ms);
    if ('fail_next' in s) {
      this.failNext = Number(s.fail_next);
      this.failPrefix = s.path_prefix ?? '';
      this.failStatus = Number(s.fail_status ?? 500);
      this.retryAfter = s.retry_after ?? null;
    }
    if ('lie_tx_status' in s) this.lieTxStatus = Object.fromEntries(
      Object.entries(s.lie_tx_status).map(([k, v]) => [k.toLowerCase().replace(/^0x/, ''), v]));
    if ('truncate_next' in s) { this.truncateNext = Number(s.truncate_next); this.truncatePrefix = s.path_prefix ?? ''; }
    if ('reset_next' in s) { this.resetNext = Number(s.reset_next); this.dropPrefix = s.path_prefix ?? ''; }
    if ('drop_reply_next' in s) { this.dropNext = Number(s.drop_reply_next); this.dropPrefix = s.path_prefix ?? ''; }
    if ('withhold_blocks' in s) this.withheld = new Set(s.withhold_blocks);
    if ('hold_txs' in s) this.holdTxs = Boolean(s.hold_txs);
    if ('tip_lag' in s) this.tipLag = Number(s.tip_lag);
    if ('freeze_tip' in s) this.frozenTip = s.freeze_tip ? (this.frozenTip ?? this.currentTip?.() ?? 0) : null;
    if ('lie_call_read' in s) this.lieCallRead = { ...s.lie_call_read };
  }

  state() {
    return { delay_ms: this.delayMs, fail_next: this.failNext, fail_path_prefix: this.failPrefix,
      truncate_next: this.truncateNext, truncate_path_prefix: this.truncatePrefix,
      reset_next: this.resetNext, drop_reply_next: this.dropNext, drop_path_prefix: this.dropPrefix,
      withhold_blocks: [...this.withheld], lie_call_read: this.lieCallRead,
      tip_lag: this.tipLag, freeze_tip: this.frozenTip !== null, fail_status: this.failStatus,
      retry_after: this.retryAfter, lie_tx_status: this.lieTxStatus, hold_txs: this.holdTxs };
  }
}

export class HttpError extends Error {
  constructor(status, body, headers = {}) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** A reply: status, headers and a body (object → JSON, string, or bytes). */
export function reply(status, body, headers = {}) {
  return { status, body, headers };
}

export function json(body, status = 200, headers = {}) {
  return reply(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

export async function readBody(req, limit = 64 * 1024 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > limit) throw new HttpError(413, { error: 'request body too large' });
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export class Router {
  constructor() { this.routes = []; }

  /** @param {string} method @param {RegExp} pattern @param {Function} handler (req, match, url) */
  add(method, pattern, handler) { this.routes.push({ method, pattern, handler }); return this; }

  find(method, path) {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = path.match(r.pattern);
      if (!m) continue;
      pathMatched = true;
      if (r.method === method || (r.method === 'GET' && method === 'HEAD')) return { route: r, match: m };
    }
    return { pathMatched };
  }
}

function encode(body, headers) {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

/**
 * The request listener: faults first, then the route, then errors in the route's shape.
 * @param {Router} router
 * @param {Faults} faults
 * @param {(path: string) => object} notFound reply for unknown paths
 * @param {(path: string) => object} notAllowed reply for a known path with another method
 * @param {(msg: string) => void} log
 */
export function listener(router, faults, notFound, notAllowed, log) {
  return async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;
    const isAdmin = path.startsWith('/admin/');
    let out;
    const dropHere = !isAdmin && path.startsWith(faults.dropPrefix);
    if (dropHere && faults.resetNext > 0) {
      faults.resetNext -= 1;
      req.socket.destroy();
      return;
    }
    try {
      if (!isAdmin && faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
      if (!isAdmin && faults.failNext > 0 && path.startsWith(faults.failPrefix)) {
        faults.failNext -= 1;
        const headers = faults.retryAfter !== null ? { 'retry-after': String(faults.retryAfter) } : {};
        // the pinning service answers every failure as {"error": {"reason", "details"}}
        const body = path.startsWith('/psa/') ? { error: { reason: 'INTERNAL_SERVER_ERROR', details: 'devnet fault switch fail_next' } }
          : { error: 'injected failure', message: 'devnet fault switch fail_next' };
        out = json(body, faults.failStatus, headers);
      } else {
        const { route, match, pathMatched } = router.find(req.method, path);
        if (route) out = await route.handler(req, match, url);
        else out = pathMatched ? notAllowed(path) : notFound(path);
      }
    } catch (e) {
      if (e instanceof HttpError) {
        out = typeof e.body === 'string' ? reply(e.status, e.body, { 'content-type': 'text/plain', ...e.headers })
          : json(e.body, e.status, e.headers);
      } else {
        log(`error on ${req.method} ${path}: ${e.stack ?? e}`);
        out = json({ error: 'internal error', message: String(e.message ?? e) }, 500);
      }
    }
    if (dropHere && faults.dropNext > 0) {
      faults.dropNext -= 1;
      req.socket.destroy();
      return;
    }
    let data = encode(out.body ?? '', out.headers);
    if (!isAdmin && faults.truncateNext > 0 && path.startsWith(faults.truncatePrefix) && data.length > 0) {
      faults.truncateNext -= 1;
      data = data.subarray(0, Math.floor(data.length / 2));
    }
    res.writeHead(out.status, { ...out.headers, 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  };
}
