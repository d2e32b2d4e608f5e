// Contract tests of escrow-secure and the mock sBTC, run in the Clarity VM of clarinet-sdk:
// every public function on its success path and every error path, and the faults of the
// security guide's contract staying fixed (docs/ARCHITECTURE.md §4, docs/contract.md).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { initSimnet } from '@hirosystems/clarinet-sdk';
import { Cl, cvToValue } from '@stacks/transactions';
import { repr } from '../src/clarity.js';

// the simnet echoes every print on console.log; keep the test report readable
console.log = () => {};

const MANIFEST = fileURLToPath(new URL('../../contracts/Clarinet.toml', import.meta.url));
const AMOUNT = 50_000_000n;

let simnet, A, deployer, token, escrow, fake;

const ok = (r) => repr(r.result);
function call(who, fn, args, contract = 'escrow-secure') { return simnet.callPublicFn(contract, fn, args, A[who] ?? who); }
function ro(fn, args) { return simnet.callReadOnlyFn('escrow-secure', fn, args, deployer).result; }
function balance(who) { return simnet.getAssetsMap().get('.sbtc-token.sbtc')?.get(A[who] ?? who) ?? 0n; }
function tokenArg(t = token) { return Cl.principal(t); }

function createArgs(id, over = {}) {
  const o = { payee: A.payee_1, amount: AMOUNT, token, arbiter: A.arbiter_1, deadline: simnet.blockHeight + 100, hash: Cl.some(Cl.buffer(new Uint8Array(32).fill(7))), ...over };
  return [Cl.uint(id), Cl.principal(o.payee), Cl.uint(o.amount), Cl.principal(o.token), Cl.principal(o.arbiter), Cl.uint(o.deadline), o.hash];
}
function create(id, over = {}, who = 'payer_1') { return call(who, 'create-invoice', createArgs(id, over)); }
function funded(id, over = {}) {
  assert.equal(ok(create(id, over)), `(ok u${id})`);
  assert.equal(ok(call('payer_1', 'deposit-funds', [Cl.uint(id), tokenArg()])), '(ok true)');
}
function disputed(id, over = {}) {
  funded(id, over);
  assert.equal(ok(call('payer_1', 'raise-dispute', [Cl.uint(id), Cl.stringAscii('QmReason')])), '(ok true)');
}
function status(id) { return cvToValue(ro('get-invoice', [Cl.uint(id)])).value.status.value; }
/** An admin action proposed by admin_1 and carried out by admin_2's approval; returns its id. */
function govern(fn, args = [], by = ['admin_1', 'admin_2']) {
  const proposed = ok(call(by[0], fn, args));
  const id = BigInt(proposed.match(/^\(ok u(\d+)\)$/)[1]);
  assert.equal(ok(call(by[1], 'approve-action', [Cl.uint(id)])), '(ok true)');
  return id;
}
function pause() { govern('propose-pause'); }
function printed(r) { return r.events.filter((e) => e.event === 'print_event').map((e) => repr(e.data.value)); }

beforeEach(async () => {
  simnet = await initSimnet(MANIFEST);
  A = Object.fromEntries(simnet.getAccounts());
  deployer = A.deployer;
  token = `${deployer}.sbtc-token`;
  escrow = `${deployer}.escrow-secure`;
  fake = `${deployer}.fake-token`;
  const src = simnet.getContractSource('sbtc-token').replace('.sip-010-trait.sip-010-trait', `'${deployer}.sip-010-trait.sip-010-trait`);
  simnet.deployContract('fake-token', src, { clarityVersion: 3 }, deployer);
  call(deployer, 'set-admins', [Cl.principal(A.admin_1), Cl.principal(A.admin_2), Cl.principal(A.admin_3)]);
  govern('whitelist-token', [Cl.principal(token)]);
  for (const t of ['sbtc-token', 'fake-token']) {
    for (const p of ['payer_1', 'payer_2']) call(deployer, 'mint', [Cl.uint(10n * AMOUNT), Cl.principal(A[p])], t);
  }
});

test('mock sBTC: SIP-010 metadata, 8 decimals, deployer-only mint, sender-checked transfer', () => {
  const t = (fn, args = []) => repr(simnet.callReadOnlyFn('sbtc-token', fn, args, deployer).result);
  assert.equal(t('get-decimals'), '(ok u8)');
  assert.equal(t('get-symbol'), '(ok "sBTC")');
  assert.equal(t('get-balance', [Cl.principal(A.payer_1)]), `(ok u${10n * AMOUNT})`);
  assert.equal(ok(call('payer_1', 'mint', [Cl.uint(1), Cl.principal(A.payer_1)], 'sbtc-token')), '(err u401)');
  assert.equal(ok(call('payer_2', 'transfer', [Cl.uint(1), Cl.principal(A.payer_1), Cl.principal(A.payer_2), Cl.none()], 'sbtc-token')), '(err u4)');
  assert.equal(ok(call('payer_1', 'transfer', [Cl.uint(1), Cl.principal(A.payer_1), Cl.principal(A.payer_2), Cl.none()], 'sbtc-token')), '(ok true)');
});

test('set-admins: once, by the deployer only', async () => {
  simnet = await initSimnet(MANIFEST);
  const args = [Cl.principal(A.admin_1), Cl.principal(A.admin_2), Cl.principal(A.admin_3)];
  assert.equal(ok(call('admin_1', 'set-admins', args)), '(err u118)');
  assert.equal(ok(call(deployer, 'set-admins', args)), '(ok true)');
  assert.equal(ok(call(deployer, 'set-admins', args)), '(err u119)');
  assert.equal(repr(ro('get-admins', [])), `(list '${A.admin_1} '${A.admin_2} '${A.admin_3})`);
});

test('pause needs two of three admins, and so does unpause', () => {
  assert.equal(ok(call('payer_1', 'propose-pause', [])), '(err u100)');
  assert.equal(ok(call('admin_1', 'propose-pause', [])), '(ok u2)');
  assert.equal(repr(ro('is-paused', [])), 'false');
  assert.equal(ok(call('admin_1', 'approve-pause', [Cl.uint(2)])), '(err u115)');
  assert.equal(ok(call('payer_1', 'approve-pause', [Cl.uint(2)])), '(err u100)');
  assert.equal(ok(call('admin_2', 'approve-pause', [Cl.uint(9)])), '(err u114)');
  assert.equal(ok(call('admin_2', 'approve-pause', [Cl.uint(1)])), '(err u114)', 'a whitelist action is not a pause');
  assert.equal(ok(call('admin_2', 'approve-pause', [Cl.uint(2)])), '(ok true)');
  assert.equal(repr(ro('is-paused', [])), 'true');
  assert.equal(ok(call('admin_3', 'approve-pause', [Cl.uint(2)])), '(err u120)');
  assert.equal(ok(call('payer_1', 'unpause', [])), '(err u100)');
  assert.equal(ok(call('admin_3', 'unpause', [])), '(ok u3)');
  assert.equal(repr(ro('is-paused', [])), 'true', 'one admin alone cannot unpause');
  assert.equal(ok(call('admin_3', 'approve-action', [Cl.uint(3)])), '(err u115)');
  const r = call('admin_1', 'approve-action', [Cl.uint(3)]);
  assert.equal(ok(r), '(ok true)');
  assert.equal(repr(ro('is-paused', [])), 'false');
  const events = printed(r);
  assert.match(events[0], /\(event "action-approved"\)/);
  assert.match(events[1], /\(event "unpaused"\)/);
  assert.match(events[1], new RegExp(`\\(approvers \\(list '${A.admin_3} '${A.admin_1}\\)\\)`));
  assert.match(events[1], new RegExp(`\\(proposer '${A.admin_3}\\)`));
  assert.equal(ok(call('admin_3', 'unpause', [])), '(err u121)');
});

test('token whitelist: two admins add and remove; one admin alone changes nothing', () => {
  assert.equal(ok(call('payer_1', 'whitelist-token', [Cl.principal(fake)])), '(err u100)');
  assert.equal(ok(call('admin_2', 'whitelist-token', [Cl.principal(fake)])), '(ok u2)');
  assert.equal(repr(ro('is-token-whitelisted', [Cl.principal(fake)])), 'false');
  assert.equal(ok(call('admin_3', 'approve-action', [Cl.uint(2)])), '(ok true)');
  assert.equal(repr(ro('is-token-whitelisted', [Cl.principal(fake)])), 'true');
  assert.equal(ok(call('payer_1', 'remove-token-from-whitelist', [Cl.principal(token)])), '(err u100)');
  assert.equal(ok(call('admin_3', 'remove-token-from-whitelist', [Cl.principal(token)])), '(ok u3)');
  assert.equal(repr(ro('is-token-whitelisted', [Cl.principal(token)])), 'true', 'one admin alone cannot take sBTC off');
  govern('remove-token-from-whitelist', [Cl.principal(fake)], ['admin_1', 'admin_3']);
  assert.equal(repr(ro('is-token-whitelisted', [Cl.principal(fake)])), 'false');
});

test('a proposal expires after 144 Bitcoin blocks', () => {
  assert.equal(ok(call('admin_1', 'propose-pause', [])), '(ok u2)');
  simnet.mineEmptyBurnBlocks(144);
  assert.equal(ok(call('admin_2', 'approve-pause', [Cl.uint(2)])), '(err u122)');
  assert.equal(repr(ro('is-paused', [])), 'false');
});

test('a pause lapses after 1008 Bitcoin blocks unless renewed', () => {
  pause();
  simnet.mineEmptyBurnBlocks(1000);
  assert.equal(repr(ro('is-paused', [])), 'true');
  simnet.mineEmptyBurnBlocks(10);
  assert.equal(repr(ro('is-paused', [])), 'false');
});

test('admin replacement: two admins replace a third; the old admin loses its vote', () => {
  assert.equal(ok(call('admin_1', 'propose-admin-replacement', [Cl.principal(A.admin_3), Cl.principal(A.admin_1)])), '(err u123)');
  assert.equal(ok(call('admin_1', 'propose-admin-replacement', [Cl.principal(A.payer_2), Cl.principal(A.payee_2)])), '(err u123)');
  assert.equal(ok(call('admin_3', 'propose-pause', [])), '(ok u2)');
  const id = govern('propose-admin-replacement', [Cl.principal(A.admin_3), Cl.principal(A.payee_2)]);
  assert.equal(id, 3n);
  assert.equal(repr(ro('get-admins', [])), `(list '${A.admin_1} '${A.admin_2} '${A.payee_2})`);
  assert.equal(ok(call('admin_3', 'whitelist-token', [Cl.principal(fake)])), '(err u100)');
  // admin_3's proposal stands, but its own approval no longer counts: one more is needed
  assert.equal(ok(call('admin_1', 'approve-pause', [Cl.uint(2)])), '(ok false)');
  assert.equal(repr(ro('is-paused', [])), 'false');
  assert.equal(ok(call('payee_2', 'approve-pause', [Cl.uint(2)])), '(ok true)');
  assert.equal(repr(ro('is-paused', [])), 'true');
});

test('set-admins refuses the same admin twice', async () => {
  simnet = await initSimnet(MANIFEST);
  assert.equal(ok(call(deployer, 'set-admins', [Cl.principal(A.admin_1), Cl.principal(A.admin_1), Cl.principal(A.admin_3)])), '(err u123)');
});

test('create-invoice: stores the invoice and prints it', () => {
  const r = create(1);
  assert.equal(ok(r), '(ok u1)');
  const inv = cvToValue(ro('get-invoice', [Cl.uint(1)])).value;
  assert.equal(inv.payer.value, A.payer_1);
  assert.equal(inv.status.value, '0');
  assert.equal(inv['metadata-hash'].value.value, '0x' + '07'.repeat(32));
  const printed = repr(r.events.find((e) => e.event === 'print_event').data.value);
  assert.match(printed, /\(event "invoice-created"\)/);
  assert.match(printed, /\(invoice-id u1\)/);
  assert.match(printed, new RegExp(`\\(arbiter '${A.arbiter_1}\\)`));
});

const CREATE_ERRORS = [
  ['duplicate id', (s) => { create(1); return create(1); }, 'u102'],
  ['zero amount', () => create(2, { amount: 0n }), 'u104'],
  ['amount over the maximum', () => create(2, { amount: 10_000_000_001n }), 'u104'],
  ['token not whitelisted', () => create(2, { token: fake }), 'u105'],
  ['payee is the payer', () => create(2, { payee: A.payer_1 }), 'u117'],
  ['arbiter is the payer', () => create(2, { arbiter: A.payer_1 }), 'u106'],
  ['arbiter is the payee', () => create(2, { arbiter: A.payee_1 }), 'u106'],
  ['deadline already passed', () => create(2, { deadline: 1 }), 'u116'],
  ['contract paused', () => { pause(); return create(2); }, 'u101'],
];
for (const [name, run, code] of CREATE_ERRORS) {
  test(`create-invoice refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('deposit-funds moves the amount from the payer into the escrow (the guide only read a balance)', () => {
  create(1);
  const before = balance('payer_1');
  const r = call('payer_1', 'deposit-funds', [Cl.uint(1), tokenArg()]);
  assert.equal(ok(r), '(ok true)');
  assert.equal(balance('payer_1'), before - AMOUNT);
  assert.equal(balance(escrow), AMOUNT);
  const transfer = r.events.find((e) => e.event === 'ft_transfer_event').data;
  assert.equal(transfer.sender, A.payer_1);
  assert.equal(transfer.recipient, escrow);
  assert.equal(status(1), '1');
});

test('ack-deposit is an alias of deposit-funds', () => {
  create(1);
  assert.equal(ok(call('payer_1', 'ack-deposit', [Cl.uint(1), tokenArg()])), '(ok true)');
  assert.equal(balance(escrow), AMOUNT);
});

const DEPOSIT_ERRORS = [
  ['unknown invoice', () => call('payer_1', 'deposit-funds', [Cl.uint(9), tokenArg()]), 'u103'],
  ['caller is not the payer', () => { create(1); return call('payer_2', 'deposit-funds', [Cl.uint(1), tokenArg()]); }, 'u107'],
  ['already funded', () => { funded(1); return call('payer_1', 'deposit-funds', [Cl.uint(1), tokenArg()]); }, 'u109'],
  ['another token than the invoice', () => { create(1); return call('payer_1', 'deposit-funds', [Cl.uint(1), tokenArg(fake)]); }, 'u110'],
  ['payer lacks the funds', () => { create(1, { amount: 11n * AMOUNT }); return call('payer_1', 'deposit-funds', [Cl.uint(1), tokenArg()]); }, 'u1'],
  ['contract paused', () => { create(1); pause(); return call('payer_1', 'deposit-funds', [Cl.uint(1), tokenArg()]); }, 'u101'],
];
for (const [name, run, code] of DEPOSIT_ERRORS) {
  test(`deposit-funds refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('release-funds pays the payee exactly the deposit', () => {
  funded(1);
  const before = balance('payee_1');
  const r = call('payer_1', 'release-funds', [Cl.uint(1), tokenArg()]);
  assert.equal(ok(r), '(ok true)');
  assert.match(repr(r.events.find((e) => e.event === 'print_event').data.value), new RegExp(`\\(arbiter '${A.arbiter_1}\\)`));
  assert.equal(balance('payee_1'), before + AMOUNT);
  assert.equal(balance(escrow), 0n);
  assert.equal(status(1), '2');
});

const RELEASE_ERRORS = [
  ['unknown invoice', () => call('payer_1', 'release-funds', [Cl.uint(9), tokenArg()]), 'u103'],
  ['caller is the payee', () => { funded(1); return call('payee_1', 'release-funds', [Cl.uint(1), tokenArg()]); }, 'u107'],
  ['not funded', () => { create(1); return call('payer_1', 'release-funds', [Cl.uint(1), tokenArg()]); }, 'u109'],
  ['another token', () => { funded(1); return call('payer_1', 'release-funds', [Cl.uint(1), tokenArg(fake)]); }, 'u110'],
  ['contract paused', () => { funded(1); pause(); return call('payer_1', 'release-funds', [Cl.uint(1), tokenArg()]); }, 'u101'],
];
for (const [name, run, code] of RELEASE_ERRORS) {
  test(`release-funds refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('refund: the payee may refund at once', () => {
  funded(1);
  const before = balance('payer_1');
  assert.equal(ok(call('payee_1', 'refund', [Cl.uint(1), tokenArg()])), '(ok true)');
  assert.equal(balance('payer_1'), before + AMOUNT);
  assert.equal(status(1), '4');
});

test('refund: the payer may not refund itself before the deadline, but may after it', () => {
  funded(1, { deadline: simnet.blockHeight + 5 });
  assert.equal(ok(call('payer_1', 'refund', [Cl.uint(1), tokenArg()])), '(err u112)');
  simnet.mineEmptyBlocks(5);
  assert.equal(ok(call('payer_1', 'refund', [Cl.uint(1), tokenArg()])), '(ok true)');
  assert.equal(status(1), '4');
});

const REFUND_ERRORS = [
  ['unknown invoice', () => call('payee_1', 'refund', [Cl.uint(9), tokenArg()]), 'u103'],
  ['caller is not a party', () => { funded(1); return call('payer_2', 'refund', [Cl.uint(1), tokenArg()]); }, 'u108'],
  ['not funded', () => { create(1); return call('payee_1', 'refund', [Cl.uint(1), tokenArg()]); }, 'u109'],
  ['another token', () => { funded(1); return call('payee_1', 'refund', [Cl.uint(1), tokenArg(fake)]); }, 'u110'],
  ['contract paused', () => { funded(1); pause(); return call('payee_1', 'refund', [Cl.uint(1), tokenArg()]); }, 'u101'],
];
for (const [name, run, code] of REFUND_ERRORS) {
  test(`refund refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('raise-dispute by either party moves FUNDED to DISPUTED and names the arbiter', () => {
  funded(1);
  funded(2);
  const r = call('payee_1', 'raise-dispute', [Cl.uint(2), Cl.stringAscii('QmPayeeReason')]);
  assert.equal(ok(r), '(ok true)');
  assert.equal(ok(call('payer_1', 'raise-dispute', [Cl.uint(1), Cl.stringAscii('QmPayerReason')])), '(ok true)');
  assert.equal(status(1), '3');
  const d = cvToValue(ro('get-dispute', [Cl.uint(2)])).value;
  assert.equal(d['raised-by'].value, A.payee_1);
  assert.equal(d['reason-cid'].value, 'QmPayeeReason');
  const printed = repr(r.events[0].data.value);
  assert.match(printed, /\(event "dispute-raised"\)/);
  assert.match(printed, new RegExp(`\\(arbiter '${A.arbiter_1}\\)`));
});

const DISPUTE_ERRORS = [
  ['unknown invoice', () => call('payer_1', 'raise-dispute', [Cl.uint(9), Cl.stringAscii('Qm')]), 'u103'],
  ['caller is not a party', () => { funded(1); return call('arbiter_1', 'raise-dispute', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u108'],
  ['not funded', () => { create(1); return call('payer_1', 'raise-dispute', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u109'],
  ['already disputed', () => { disputed(1); return call('payee_1', 'raise-dispute', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u109'],
  ['contract paused', () => { funded(1); pause(); return call('payer_1', 'raise-dispute', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u101'],
];
for (const [name, run, code] of DISPUTE_ERRORS) {
  test(`raise-dispute refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('submit-evidence stores each item by index with submitter and block height', () => {
  disputed(1);
  assert.equal(ok(call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('QmPayerItem')])), '(ok u0)');
  const r = call('payee_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('bafkreipayee')]);
  assert.equal(ok(r), '(ok u1)');
  const e = cvToValue(ro('get-evidence', [Cl.uint(1), Cl.uint(1)])).value;
  assert.equal(e.submitter.value, A.payee_1);
  assert.equal(e.cid.value, 'bafkreipayee');
  assert.equal(BigInt(e['block-height'].value), BigInt(simnet.blockHeight));
  assert.match(repr(r.events[0].data.value), /\(event "evidence-submitted"\)/);
  assert.equal(cvToValue(ro('get-dispute', [Cl.uint(1)])).value['evidence-count'].value, '2');
});

const EVIDENCE_ERRORS = [
  ['unknown invoice', () => call('payer_1', 'submit-evidence', [Cl.uint(9), Cl.stringAscii('Qm')]), 'u103'],
  ['no dispute raised', () => { funded(1); return call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u109'],
  ['caller is not a party', () => { disputed(1); return call('payer_2', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u108'],
  ['dispute already resolved', () => {
    disputed(1);
    call('arbiter_1', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(true), Cl.buffer(new Uint8Array(32))]);
    return call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('Qm')]);
  }, 'u109'],
  ['more than ten items from one party', () => {
    disputed(1);
    for (let i = 0; i < 10; i++) assert.equal(ok(call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii(`Qm${i}`)])), `(ok u${i})`);
    assert.equal(ok(call('payee_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('QmPayee')])), '(ok u10)');
    return call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('Qm10')]);
  }, 'u113'],
  ['contract paused', () => { disputed(1); pause(); return call('payer_1', 'submit-evidence', [Cl.uint(1), Cl.stringAscii('Qm')]); }, 'u101'],
];
for (const [name, run, code] of EVIDENCE_ERRORS) {
  test(`submit-evidence refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

for (const [release, winner, code] of [[true, 'payee_1', '2'], [false, 'payer_1', '4']]) {
  test(`resolve-dispute (release ${release}) pays the ${winner} exactly the deposit and stores the rationale hash`, () => {
    disputed(1);
    const before = balance(winner);
    const hash = new Uint8Array(32).map((_, i) => i);
    const r = call('arbiter_1', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(release), Cl.buffer(hash)]);
    assert.equal(ok(r), `(ok ${release})`);
    assert.equal(balance(winner), before + AMOUNT);
    assert.equal(balance(escrow), 0n);
    assert.equal(status(1), code);
    const ruling = cvToValue(ro('get-ruling', [Cl.uint(1)])).value;
    assert.equal(ruling['rationale-hash'].value, '0x' + Buffer.from(hash).toString('hex'));
    assert.equal(ruling.arbiter.value, A.arbiter_1);
    assert.equal(ruling.release.value, release);
    assert.match(repr(r.events.find((e) => e.event === 'print_event').data.value), /\(event "dispute-resolved"\)/);
  });
}

const RESOLVE_ERRORS = [
  ['unknown invoice', () => call('arbiter_1', 'resolve-dispute', [Cl.uint(9), tokenArg(), Cl.bool(true), Cl.buffer(new Uint8Array(32))]), 'u103'],
  ['caller is the other arbiter', () => { disputed(1); return call('arbiter_2', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(true), Cl.buffer(new Uint8Array(32))]); }, 'u111'],
  ['caller is the payer', () => { disputed(1); return call('payer_1', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(false), Cl.buffer(new Uint8Array(32))]); }, 'u111'],
  ['not disputed', () => { funded(1); return call('arbiter_1', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(true), Cl.buffer(new Uint8Array(32))]); }, 'u109'],
  ['another token', () => { disputed(1); return call('arbiter_1', 'resolve-dispute', [Cl.uint(1), tokenArg(fake), Cl.bool(true), Cl.buffer(new Uint8Array(32))]); }, 'u110'],
  ['contract paused', () => { disputed(1); pause(); return call('arbiter_1', 'resolve-dispute', [Cl.uint(1), tokenArg(), Cl.bool(true), Cl.buffer(new Uint8Array(32))]); }, 'u101'],
];
for (const [name, run, code] of RESOLVE_ERRORS) {
  test(`resolve-dispute refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

const ROOT = new Uint8Array(32).fill(0xab);
const HASH = new Uint8Array(32).fill(0x11);
function split(id, payeeAmount, who = 'arbiter_1', t = token) {
  return call(who, 'resolve-dispute-split', [Cl.uint(id), tokenArg(t), Cl.uint(payeeAmount), Cl.buffer(HASH), Cl.buffer(ROOT)]);
}

test('resolve-dispute-split 60/40 pays both parties exactly, in one transaction, and stores the award and log root', () => {
  disputed(1);
  const payer = balance('payer_1');
  const payee = balance('payee_1');
  const r = split(1, 30_000_000n);
  assert.equal(ok(r), '(ok u5)');
  assert.equal(balance('payee_1'), payee + 30_000_000n);
  assert.equal(balance('payer_1'), payer + 20_000_000n);
  assert.equal(balance(escrow), 0n);
  assert.equal(status(1), '5');
  assert.equal(repr(ro('get-award', [Cl.uint(1)])),
    `(some (tuple (log-root (some 0x${'ab'.repeat(32)})) (payee-amount u30000000) (payer-amount u20000000)))`);
  const event = printed(r)[0];
  assert.match(event, /\(event "dispute-resolved"\)/);
  assert.match(event, /\(payee-amount u30000000\)/);
  assert.match(event, /\(payer-amount u20000000\)/);
  assert.match(event, new RegExp(`\\(log-root \\(some 0x${'ab'.repeat(32)}\\)\\)`));
  assert.match(event, /\(status u5\)/);
  assert.equal(r.events.filter((e) => e.event === 'ft_transfer_event').length, 2);
});

for (const [payeeAmount, code, winner] of [[AMOUNT, '2', 'payee_1'], [0n, '4', 'payer_1']]) {
  test(`resolve-dispute-split with ${payeeAmount} to the payee is a whole ${code === '2' ? 'release' : 'refund'} (status u${code}, one transfer)`, () => {
    disputed(1);
    const before = balance(winner);
    const r = split(1, payeeAmount);
    assert.equal(ok(r), `(ok u${code})`);
    assert.equal(balance(winner), before + AMOUNT);
    assert.equal(status(1), code);
    assert.equal(r.events.filter((e) => e.event === 'ft_transfer_event').length, 1);
    assert.equal(cvToValue(ro('get-ruling', [Cl.uint(1)])).value.release.value, code === '2');
  });
}

const SPLIT_ERRORS = [
  ['more than the deposit to the payee', () => { disputed(1); return split(1, AMOUNT + 1n); }, 'u124'],
  ['caller is not the arbiter', () => { disputed(1); return split(1, 1n, 'arbiter_2'); }, 'u111'],
  ['caller is the payee', () => { disputed(1); return split(1, AMOUNT, 'payee_1'); }, 'u111'],
  ['not disputed', () => { funded(1); return split(1, 1n); }, 'u109'],
  ['already resolved', () => { disputed(1); split(1, 1n); return split(1, 1n); }, 'u109'],
  ['another token', () => { disputed(1); return split(1, 1n, 'arbiter_1', fake); }, 'u110'],
  ['contract paused', () => { disputed(1); pause(); return split(1, 1n); }, 'u101'],
  ['unknown invoice', () => split(9, 1n), 'u103'],
];
for (const [name, run, code] of SPLIT_ERRORS) {
  test(`resolve-dispute-split refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('escalate: after 4320 Bitcoin blocks either party gets the deposit back to the payer, even while paused', () => {
  disputed(1);
  disputed(2);
  const due = Number(cvToValue(ro('get-escalation-height', [Cl.uint(1)])).value);
  // a call runs in the simnet's current tenure: at its burn height (calls mine no burn block)
  simnet.mineEmptyBurnBlocks(due - 1 - simnet.burnBlockHeight);
  assert.equal(ok(call('payee_1', 'escalate', [Cl.uint(1), tokenArg()])), '(err u125)', 'one block too early');
  simnet.mineEmptyBurnBlocks(1);
  pause();
  const before = balance('payer_1');
  const r = call('payee_1', 'escalate', [Cl.uint(1), tokenArg()]);
  assert.equal(ok(r), '(ok true)');
  assert.equal(balance('payer_1'), before + AMOUNT);
  assert.equal(status(1), '4');
  assert.match(printed(r)[0], /\(event "dispute-escalated"\)/);
  assert.equal(ok(call('payer_1', 'escalate', [Cl.uint(2), tokenArg()])), '(ok true)');
});

const ESCALATE_ERRORS = [
  ['too early', () => { disputed(1); simnet.mineEmptyBurnBlocks(4000); return call('payer_1', 'escalate', [Cl.uint(1), tokenArg()]); }, 'u125'],
  ['caller is not a party', () => { disputed(1); simnet.mineEmptyBurnBlocks(4400); return call('arbiter_1', 'escalate', [Cl.uint(1), tokenArg()]); }, 'u108'],
  ['not disputed', () => { funded(1); simnet.mineEmptyBurnBlocks(4400); return call('payer_1', 'escalate', [Cl.uint(1), tokenArg()]); }, 'u109'],
  ['already resolved', () => { disputed(1); split(1, 1n); simnet.mineEmptyBurnBlocks(4400); return call('payer_1', 'escalate', [Cl.uint(1), tokenArg()]); }, 'u109'],
  ['another token', () => { disputed(1); simnet.mineEmptyBurnBlocks(4400); return call('payer_1', 'escalate', [Cl.uint(1), tokenArg(fake)]); }, 'u110'],
];
for (const [name, run, code] of ESCALATE_ERRORS) {
  test(`escalate refuses: ${name}`, () => assert.equal(ok(run()), `(err ${code})`));
}

test('read-only getters answer none for unknown ids', () => {
  for (const fn of ['get-invoice', 'get-dispute', 'get-ruling', 'get-award', 'get-escalation-height', 'get-action']) assert.equal(repr(ro(fn, [Cl.uint(77)])), 'none');
  assert.equal(repr(ro('get-evidence', [Cl.uint(77), Cl.uint(0)])), 'none');
  assert.equal(repr(ro('get-pause-action', [Cl.uint(77)])), 'none');
});
