// Entry point of the devnet: one Node process serving, on one loopback port, the Stacks API
// subset over a clarinet-sdk simnet, the Kubo RPC subset and trustless gateway, and the admin
// API (docs/ARCHITECTURE.md §7).
// Usage: node src/main.js [--port N] [--host 127.0.0.1] [--no-seed] [--clock GENESIS:INTERVAL].
// When ready it prints one JSON line {"ready": true, ...} on stdout; logs go to stderr.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { loadAccounts } from './accounts.js';
import { Chain } from './chain.js';
import { Faults, Router, listener, json } from './http.js';
import { stacksRoutes } from './stacks_routes.js';
import { BlockStore } from './ipfs_store.js';
import { ipfsRoutes } from './ipfs_routes.js';
import { Pins, pinningRoutes } from './pinning_routes.js';
import { adminRoutes } from './admin_routes.js';
import { seedScenario, seedBench, seedInvoice } from './seed.js';
import { takeSnapshot, restoreSnapshot } from './snapshot.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONTRACTS_DIR = resolve(HERE, '../../contracts');

function log(msg) { process.stderr.write(`[devnet ${new Date().toISOString()}] ${msg}\n`); }

function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1', seed: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') o.port = Number(argv[++i]);
    else if (argv[i] === '--host') o.host = argv[++i];
    else if (argv[i] === '--no-seed') o.seed = false;
    else if (argv[i] === '--seed') o.seed = true;
    else if (argv[i] === '--clock') o.clock = parseClock(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

/**
 * A fixed chain clock from `GENESIS:INTERVAL` (Unix seconds of block 0, seconds per block).
 * @returns {{genesis: number, interval: number}}
 */
export function parseClock(text) {
  const m = /^(\d{1,12}):(\d{1,6})$/.exec(text ?? '');
  if (!m || Number(m[2]) < 1) {
    throw new Error(`--clock takes GENESIS:INTERVAL (Unix seconds of block 0, seconds per block ≥ 1), not ${JSON.stringify(text)}`);
  }
  return { genesis: Number(m[1]), interval: Number(m[2]) };
}

/**
 * Build and start the devnet.
 * @param {{port?: number, host?: string, seed?: boolean, clock?: {genesis: number, interval: number}}} opts
 *   `clock` fixes block times (chain.js); without it they follow the wall clock
 * @returns {Promise<{server, chain, store, faults, url: string, info: () => object, close: () => Promise<void>}>}
 */
export async function startDevnet(opts = {}) {
  const started = Date.now();
  // the simnet echoes every `print` on console.log; keep stdout for the ready line
  console.log = (...a) => log(a.map(String).join(' '));
  const accounts = loadAccounts(resolve(CONTRACTS_DIR, 'settings/Devnet.toml'));
  const chain = await new Chain(resolve(CONTRACTS_DIR, 'Clarinet.toml'), accounts, opts.clock ?? null).init();
  const faults = new Faults();
  chain.faults = faults;
  const store = new BlockStore(faults);
  const pins = new Pins(store, chain);
  let seedSummary = null;
  let ready = null;
  const router = new Router();
  const ctx = { chain, faults, seed: () => seedSummary, seedBench: (n) => seedBench(chain, store, accounts, n),
    seedInvoice: (b) => seedInvoice(chain, store, accounts, b), info: null,
    reset: () => restoreSnapshot(ready, chain, store, pins, faults) };
  stacksRoutes(router, chain, faults);
  ipfsRoutes(router, store, faults);
  pinningRoutes(router, pins);
  adminRoutes(router, ctx);
  const notFound = (path) => (path.startsWith('/api/v0/')
    ? { status: 404, body: '404 page not found', headers: { 'content-type': 'text/plain' } }
    : json({ error: 'Not Found', message: `no route for ${path}`, statusCode: 404 }, 404));
  const notAllowed = (path) => (path.startsWith('/api/v0/')
    ? { status: 405, body: 'Method Not Allowed', headers: { 'content-type': 'text/plain', allow: 'OPTIONS, POST' } }
    : json({ error: 'Method Not Allowed', statusCode: 405 }, 405));
  const server = createServer(listener(router, faults, notFound, notAllowed, log));
  if (opts.seed ?? true) seedSummary = await seedScenario(chain, store, accounts);
  ready = takeSnapshot(chain, store, pins);
  await new Promise((res, rej) => { server.once('error', rej); server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', res); });
  const url = `http://${opts.host ?? '127.0.0.1'}:${server.address().port}`;
  const roles = Object.fromEntries([...accounts].map(([name, a]) => [name, a.address]));
  const info = () => ({
    ready: true, url, pid: process.pid, startup_ms: Date.now() - started,
    endpoints: { stacks_api: url, ipfs_rpc: url, ipfs_gateway: url, admin: `${url}/admin` },
    accounts: roles, escrow_contract: `${chain.deployer}.escrow-secure`, token_contract: `${chain.deployer}.sbtc-token`,
    seeded: seedSummary !== null,
  });
  ctx.info = info;
  const readyInfo = info();
  return { server, chain, store, faults, url, info: () => ({ ...info(), startup_ms: readyInfo.startup_ms }),
    close: () => new Promise((r) => server.close(() => r())) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`devnet: ${e.message}\n`);
    process.exit(2);
  }
  const devnet = await startDevnet(opts);
  process.stdout.write(JSON.stringify(devnet.info()) + '\n');
  log(`ready on ${devnet.url}`);
  const stop = () => { log('stopping'); devnet.server.close(); process.exit(0); };
  // no orphans: when the process that started us dies (even by SIGKILL), stop too
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) stop(); }, 500).unref();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
