// Snapshot and restore of the whole devnet state, for POST /admin/reset: tests that need a
// pristine chain share one devnet process and restore it before each test, instead of paying
// a node start, a simnet init and the seed (seconds) per test.
//
// clarinet-sdk has no snapshot of the simnet, but a second initSession on the same SDK is
// cheap (~60 ms: the deployment is cached) and the chain already rebuilds a simnet from its
// replay log (chain.js). So the simnet is rebuilt from the snapshot's replay log, and the
// state the devnet keeps around it (blocks, receipts, nonces, the log index, the mempool, IPFS
// blocks and pins, pin requests) is copied. Every field of the chain other than its fixed
// parts is restored, and fields created after the snapshot (lazy caches) are deleted, so no
// answer can come from the time before the reset.

// The chain's parts that never change after init, kept as they are.
export const FIXED_CHAIN_FIELDS = new Set(['manifestPath', 'accounts', 'simnet', 'queue', 'deployer',
  'interfaces', 'faults']);
// What the block store and the pin requests point at rather than own.
const STORE_LINKS = new Set(['faults']);
const PINS_LINKS = new Set(['store', 'chain']);

/** A copy deep enough that later changes (records' statuses, pushes) do not reach it. */
function copy(value) {
  const shallow = (v) => (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? { ...v } : v);
  if (Array.isArray(value)) return value.map(shallow);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, shallow(v)]));
  if (value instanceof Set) return new Set(value);
  return shallow(value);
}

function copyFields(source, skip = new Set()) {
  return Object.fromEntries(Object.entries(source).filter(([k]) => !skip.has(k)).map(([k, v]) => [k, copy(v)]));
}

function putFields(target, saved, skip = new Set()) {
  for (const key of Object.keys(target)) if (!skip.has(key) && !(key in saved)) delete target[key];
  for (const [key, value] of Object.entries(saved)) target[key] = copy(value);
}

/**
 * Take a snapshot of the chain, the IPFS block store and the pin requests.
 * @param {import('./chain.js').Chain} chain
 * @param {import('./ipfs_store.js').BlockStore} store
 * @param {import('./pinning_routes.js').Pins} pins the pinning service's requests
 */
export function takeSnapshot(chain, store, pins) {
  return { chain: copyFields(chain, FIXED_CHAIN_FIELDS), store: copyFields(store, STORE_LINKS),
    pins: copyFields(pins, PINS_LINKS) };
}

/**
 * Put the devnet back in the state of `snapshot`, fault switches off. Runs in the chain's
 * queue, so no request sees a half-restored chain.
 * @returns {Promise<number>} the tip height after the restore
 */
export function restoreSnapshot(snapshot, chain, store, pins, faults) {
  return chain.run(async () => {
    faults.reset();
    putFields(chain, snapshot.chain, FIXED_CHAIN_FIELDS);
    await chain.rebuild();
    chain.checkHeight();
    putFields(store, snapshot.store, STORE_LINKS);
    putFields(pins, snapshot.pins, PINS_LINKS);
    return chain.tipHeight;
  });
}
