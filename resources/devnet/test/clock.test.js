// The fixed chain clock (--clock GENESIS:INTERVAL): block h has the time genesis + h × interval,
// a mempool receipt and a pin request have the next block's time, and two devnets fed the same
// signed transactions answer the same chain data (what the app's filtered-vs-unfiltered comparison
// relies on). Without the option, block times follow the wall clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { devnet, signedCall, send, Cl } from './helpers.js';
import { parseClock } from '../src/main.js';
import { PINNING_TOKEN } from '../src/pinning_routes.js';

console.log = () => {}; // the simnet echoes prints
const CLOCK = { genesis: 1_800_000_000, interval: 7 };

/** Broadcast a create-invoice as payer_1, then read the mined transaction back. */
async function invoiceRun(d) {
  const token = `${d.chain.deployer}.sbtc-token`;
  const tx = await signedCall(d, 'payer_1', 'create-invoice', [Cl.uint(1), Cl.principal(d.account('payee_1').address),
    Cl.uint(1000), Cl.principal(token), Cl.principal(d.account('arbiter_1').address), Cl.uint(d.chain.tipHeight + 100),
    Cl.none()]);
  const sent = await send(d, tx);
  assert.equal(sent.status, 200);
  return (await d.get(`/extended/v3/transactions/0x${sent.body}`)).json();
}

test('with a fixed clock every block time is genesis + height × interval, the mined ones too', async () => {
  const d = await devnet(false, { clock: CLOCK });
  try {
    const mined = await invoiceRun(d);
    assert.equal(mined.block.time, CLOCK.genesis + mined.block.height * CLOCK.interval);
    d.chain.mine(2, 600); // an explicit pace (/admin/mine) still sets its own step
    assert.equal(d.chain.tip.time, mined.block.time + 1200);
    for (const b of d.chain.blocks.slice(0, mined.block.height)) assert.equal(b.time, CLOCK.genesis + b.height * CLOCK.interval);
  } finally {
    await d.close();
  }
});

test('with a fixed clock a pending transaction\'s receipt_time is the next block\'s time', async () => {
  const d = await devnet(false, { clock: CLOCK });
  try {
    d.faults.set({ hold_txs: true });
    const pending = await invoiceRun(d);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.receipt_time, d.chain.tip.time + CLOCK.interval);
  } finally {
    await d.close();
  }
});

test('two devnets with the same fixed clock answer the same chain data for the same transactions', async () => {
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const d = await devnet(false, { clock: CLOCK });
    try {
      const mined = await invoiceRun(d);
      const logs = await (await d.get(`/extended/v2/smart-contracts/${d.chain.deployer}.escrow-secure/logs`)).json();
      const pin = await (await d.post('/psa/pins', JSON.stringify({ cid: 'bafkqaaa', name: 'empty' }),
        { authorization: `Bearer ${PINNING_TOKEN}`, 'content-type': 'application/json' })).json();
      runs.push({ mined, logs, pin, info: (await (await d.get('/v2/info')).json()).stacks_tip });
    } finally {
      await d.close();
    }
  }
  assert.deepEqual(runs[0], runs[1]);
  // a pin request's time is the clock's too, and its id is numbered
  assert.equal(runs[0].pin.created, new Date((runs[0].mined.block.time + CLOCK.interval) * 1000).toISOString());
  assert.equal(runs[0].pin.requestid, '00000000-0000-4000-8000-000000000000');
});

test('without a clock, block times follow the wall clock', async () => {
  const d = await devnet(false);
  try {
    const before = Math.floor(Date.now() / 1000);
    const mined = await invoiceRun(d);
    const after = Math.floor(Date.now() / 1000);
    assert.ok(before <= mined.block.time && mined.block.time <= after, `block time ${mined.block.time}, wall clock ${before}..${after}`);
  } finally {
    await d.close();
  }
});

test('--clock refuses anything but GENESIS:INTERVAL with an interval of at least one second', () => {
  assert.deepEqual(parseClock('1800000000:5'), { genesis: 1_800_000_000, interval: 5 });
  for (const bad of ['1800000000', '1800000000:0', '-1:5', '1800000000:5:1', 'x:5', '', undefined]) {
    assert.throws(() => parseClock(bad), /--clock takes GENESIS:INTERVAL/, String(bad));
  }
});

test('the command line names a bad --clock and exits 2, without a stack trace', () => {
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  let failure;
  try {
    execFileSync(process.execPath, [main, '--clock', 'soon'], { stdio: 'pipe' });
  } catch (e) {
    failure = e;
  }
  assert.equal(failure?.status, 2);
  assert.match(String(failure.stderr), /^devnet: --clock takes GENESIS:INTERVAL .* not "soon"\n$/);
});
