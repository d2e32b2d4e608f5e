// The loopback-only admin API of the devnet: fault switches, mining, the seed scenario's
// summary, bench disputes, single invoices between named accounts, mock-sBTC mint and burn,
// governance calls signed by the devnet's admins, a reset to the state the devnet had when it
// became ready, and a health probe. Requests from anywhere but loopback are refused.
import { HttpError, json, readBody } from './http.js';
import { governance } from './governance.js';
import { tokenAdmin } from './token_admin.js';

function loopbackOnly(req) {
  const ip = req.socket.remoteAddress ?? '';
  if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(ip)) throw new HttpError(403, { error: 'admin API is loopback only' });
}

async function body(req) {
  const raw = (await readBody(req)).toString('utf8');
  if (!raw) return {};
  try {
    const v = JSON.parse(raw);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch (e) {
    throw new HttpError(400, { error: `admin body must be a JSON object: ${e.message}` });
  }
}

/**
 * Register the admin routes.
 * @param {import('./http.js').Router} router
 * @param {{chain, faults, seed: object|null, seedBench: (n: number) => Promise<object>,
 *   seedInvoice: (b: object) => Promise<object>, info: () => object, reset: () => Promise<number>}} ctx
 */
export function adminRoutes(router, ctx) {
  const admin = (method, path, fn) => router.add(method, new RegExp(`^/admin/${path}$`), async (req, m, url) => {
    loopbackOnly(req);
    return fn(req, url);
  });
  admin('GET', 'info', () => json(ctx.info()));
  admin('GET', 'faults', () => json(ctx.faults.state()));
  admin('POST', 'faults', async (req) => {
    try { ctx.faults.set(await body(req)); } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, { error: e.message });
    }
    return json(ctx.faults.state());
  });
  admin('POST', 'faults/reset', () => { ctx.faults.reset(); return json(ctx.faults.state()); });
  admin('POST', 'reset', async () => json({ stacks_tip_height: await ctx.reset() }));
  admin('POST', 'mine', async (req) => {
    const b = await body(req);
    const blocks = Number(b.blocks ?? (ctx.chain.mempool.length ? 0 : 1));
    const seconds = Number(b.seconds_per_block ?? 600);
    if (!Number.isInteger(blocks) || blocks < 0 || blocks > 100000) throw new HttpError(400, { error: 'blocks must be an integer from 0 to 100000' });
    if (!Number.isFinite(seconds) || seconds < 1) throw new HttpError(400, { error: 'seconds_per_block must be at least 1' });
    // pending transactions are mined first, each in its own block, then `blocks` empty ones
    const height = await ctx.chain.run(async () => {
      const mined = ctx.chain.mempool.length;
      await ctx.chain.flush();
      return { height: ctx.chain.mine(blocks, seconds), mined };
    });
    return json({ stacks_tip_height: height.height, block_time: ctx.chain.tip.time, mined_transactions: height.mined });
  });
  admin('POST', 'drop', async (req) => {
    const b = await body(req);
    const txid = String(b.tx_id ?? '').replace(/^0x/, '');
    const dropped = await ctx.chain.run(() => ctx.chain.drop(txid));
    if (!dropped) throw new HttpError(404, { error: `no pending transaction 0x${txid}` });
    return json({ tx_id: `0x${txid}`, status: 'dropped_stale_garbage_collect' });
  });
  admin('GET', 'seed', () => json(ctx.seed() ?? { seeded: false }));
  admin('POST', 'governance', async (req) => json(await governance(ctx.chain, ctx.chain.accounts, await body(req))));
  admin('POST', 'seed-bench', async (req) => {
    const b = await body(req);
    const n = Number(b.disputes ?? 0);
    if (!Number.isInteger(n) || n < 1 || n > 5000) throw new HttpError(400, { error: 'disputes must be an integer from 1 to 5000' });
    return json(await ctx.seedBench(n));
  });
  admin('POST', 'token', async (req) => json(await tokenAdmin(ctx.chain, await body(req))));
  admin('POST', 'invoice', async (req) => json(await ctx.seedInvoice(await body(req))));
  return router;
}
