// The seed scenario (docs/ARCHITECTURE.md §7): governance set up, payers funded with mock
// sBTC, invoices in every status, disputes for arbiter_1 with evidence from both parties
// (text, PDF, PNG in bitmind-evidence/1 manifests), one over 10 sBTC, one whose terms carry an
// AI-parse confidence below 0.8, one whose evidence file is missing from IPFS, one whose
// manifest declares a CID that does not match its file, a resolved one, and one dispute for
// arbiter_2. Everything is signed by the devnet accounts and goes through broadcast.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Cl } from '@stacks/transactions';
import { callAs, sendsExactly } from './wallet.js';
import { HttpError } from './http.js';

const SEED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../seed');
export const SATS_PER_BTC = 100_000_000n;
const enc = new TextEncoder();

function seedFile(name) { return new Uint8Array(readFileSync(resolve(SEED_DIR, name))); }

/** A deterministic text of `size` bytes (a delivery log) that spans several 256 KiB chunks. */
export function bigLog(size) {
  const lines = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const line = `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z order ${100000 + i} status=${i % 7 === 0 ? 'FAILED' : 'ok'} items=${1 + (i % 17)}\n`;
    lines.push(line);
    total += line.length;
  }
  return enc.encode(lines.join('').slice(0, size));
}

/** JSON with object keys sorted and no spaces (Python's sort_keys, compact separators). */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const STEP_NAMES = ['review contract/invoice terms', 'examine evidence from both parties',
  'check blockchain records', 'consult off-chain documentation',
  'make a ruling and document the rationale', 'execute release or refund'];

/** A `bitmind-rationale/1` document with the six steps completed an hour apart. */
function rationaleDoc(invoiceId, cited, arbiter, now) {
  return { schema: 'bitmind-rationale/1', invoice_id: invoiceId, ruling: 'refund',
    rationale: 'The payee did not deliver before the deadline and offered no evidence of delivery. '
      + 'The statement of work makes delivery by the deadline a condition of payment, so the deposit returns to the payer.',
    cited_evidence: [cited],
    steps: STEP_NAMES.map((name, i) => ({ step: i + 1, name, completed_at: now - (6 - i) * 3600 })),
    finalized_at: now - 3600, arbiter };
}

/** Where a seeded transaction was mined: what tests compare the app's block times with. */
function mined(rec) {
  return { txid: `0x${rec.txid}`, block_height: rec.block.height, block_time: rec.block.time };
}

class Seeder {
  constructor(chain, store, accounts) {
    this.chain = chain;
    this.store = store;
    this.acc = (name) => accounts.get(name);
    this.addr = (name) => accounts.get(name).address;
    this.escrow = `${chain.deployer}.escrow-secure`;
    this.token = `${chain.deployer}.sbtc-token`;
    this.summary = { invoices: {}, disputes: {}, files: {}, special: {} };
  }

  call(who, fn, args, opts) { return callAs(this.chain, this.acc(who), this.escrow, fn, args, opts); }

  async file(name, bytes, media, cidVersion = 0) {
    const { cid } = await this.store.addFile(bytes, { cidVersion });
    const entry = { name, cid: cid.toString(), media_type: media, size: bytes.length };
    this.summary.files[name] = entry;
    return entry;
  }

  /**
   * A JSON document as one raw block; returns its sha256 and CID (`bafkrei...`).
   * Rationale documents use the app's canonical form (sorted keys, no spaces).
   */
  async rawDoc(doc, canonicalForm = false) {
    const bytes = enc.encode(canonicalForm ? canonicalJson(doc) : JSON.stringify(doc, null, 2));
    const cid = await this.store.putBlock(bytes, 'raw');
    return { hash: createHash('sha256').update(bytes).digest(), cid: cid.toString() };
  }

  async manifest(invoiceId, party, title, description, files) {
    const doc = { schema: 'bitmind-evidence/1', invoice_id: invoiceId, party, title, description,
      created_at: new Date(this.chain.now() * 1000).toISOString(), files };
    const { cid } = await this.store.addFile(enc.encode(JSON.stringify(doc, null, 2)), { cidVersion: 1 });
    return cid.toString();
  }

  async terms(id, title, payer, payee, amount, confidence) {
    const doc = { schema: 'bitmind-invoice/1', title, description: `${title}: fixed-price work paid through escrow.`,
      milestones: [{ title: 'Design', amount_sats: String(amount / 2n) }, { title: 'Delivery', amount_sats: String(amount - amount / 2n) }],
      payer_name: payer, payee_name: payee };
    if (confidence !== undefined) doc.ai_parse = { model: 'bitmind-parse-2', confidence };
    return this.rawDoc(doc);
  }

  async invoice(id, payer, payee, arbiter, amount, opts = {}) {
    const terms = await this.terms(id, opts.title ?? `Invoice ${id}`, payer, payee, amount, opts.confidence ?? 0.93);
    const deadline = this.chain.tipHeight + (opts.blocks ?? 2000);
    await this.call(payer, 'create-invoice', [Cl.uint(id), Cl.principal(this.addr(payee)), Cl.uint(amount),
      Cl.principal(this.token), Cl.principal(this.addr(arbiter)), Cl.uint(deadline), Cl.some(Cl.buffer(terms.hash))]);
    this.summary.invoices[id] = { payer, payee, arbiter, amount: String(amount), terms_cid: terms.cid, deadline, status: 'open' };
    return terms;
  }

  /** The post-condition of a pay-out: the escrow sends exactly the invoice's amount. */
  paysOut(id) {
    return { postConditions: [sendsExactly(this.escrow, BigInt(this.summary.invoices[id].amount), this.token)] };
  }

  async deposit(id) {
    const inv = this.summary.invoices[id];
    await this.call(inv.payer, 'deposit-funds', [Cl.uint(id), Cl.principal(this.token)],
      { postConditions: [sendsExactly(this.addr(inv.payer), BigInt(inv.amount), this.token)] });
    inv.status = 'funded';
  }

  async dispute(id, by, reasonCid, evidence) {
    const raised = await this.call(by, 'raise-dispute', [Cl.uint(id), Cl.stringAscii(reasonCid)]);
    const inv = this.summary.invoices[id];
    inv.status = 'disputed';
    const entry = { arbiter: inv.arbiter, raised_by: by, reason_cid: reasonCid, ...mined(raised), evidence: [] };
    for (const [party, cid] of evidence) {
      const sent = await this.call(inv[party], 'submit-evidence', [Cl.uint(id), Cl.stringAscii(cid)]);
      entry.evidence.push({ party, cid, ...mined(sent) });
    }
    this.summary.disputes[id] = entry;
  }

  async run() {
    const deployer = this.acc('deployer');
    await callAs(this.chain, deployer, this.escrow, 'set-admins', ['admin_1', 'admin_2', 'admin_3'].map((a) => Cl.principal(this.addr(a))));
    // every admin action needs two of the three admins: admin_1 proposes (action 1), admin_2 approves
    await this.call('admin_1', 'whitelist-token', [Cl.principal(this.token)]);
    await this.call('admin_2', 'approve-action', [Cl.uint(1)]);
    for (const p of ['payer_1', 'payer_2', 'payer_3']) {
      await callAs(this.chain, deployer, this.token, 'mint', [Cl.uint(100n * SATS_PER_BTC), Cl.principal(this.addr(p))]);
    }
    await this.lifecycle();
    await this.disputes();
    return { ...this.summary, seeded: true, tip_height: this.chain.tipHeight };
  }

  /** Invoices in the non-dispute statuses: open, funded, released, refunded (both ways). */
  async lifecycle() {
    const btc = SATS_PER_BTC;
    await this.invoice(1, 'payer_1', 'payee_1', 'arbiter_1', btc / 2n, { title: 'Logo redesign' });
    await this.invoice(2, 'payer_2', 'payee_2', 'arbiter_1', btc / 4n, { title: 'Security audit' });
    await this.deposit(2);
    await this.invoice(3, 'payer_3', 'payee_3', 'arbiter_2', btc / 10n, { title: 'Translation' });
    await this.deposit(3);
    await this.call('payer_3', 'release-funds', [Cl.uint(3), Cl.principal(this.token)], this.paysOut(3));
    this.summary.invoices[3].status = 'released';
    await this.invoice(4, 'payer_1', 'payee_2', 'arbiter_1', btc / 20n, { title: 'Copywriting' });
    await this.deposit(4);
    await this.call('payee_2', 'refund', [Cl.uint(4), Cl.principal(this.token)], this.paysOut(4));
    this.summary.invoices[4].status = 'refunded';
    await this.invoice(5, 'payer_2', 'payee_3', 'arbiter_2', btc / 50n, { title: 'Data entry', blocks: 3 });
    await this.deposit(5);
    await this.chain.run(() => this.chain.mine(3, 600));
    await this.call('payer_2', 'refund', [Cl.uint(5), Cl.principal(this.token)], this.paysOut(5));
    this.summary.invoices[5].status = 'refunded';
    await this.invoice(6, 'payer_3', 'payee_1', 'arbiter_1', btc / 8n, { title: 'Mobile app prototype' });
  }

  async evidenceFiles() {
    const f = {};
    f.chat = await this.file('chat-log-payer.txt', seedFile('chat-log-payer.txt'), 'text/plain');
    f.payerStatement = await this.file('statement-payer.txt', seedFile('statement-payer.txt'), 'text/plain');
    f.payeeStatement = await this.file('statement-payee.txt', seedFile('statement-payee.txt'), 'text/plain');
    f.sow = await this.file('statement-of-work.pdf', seedFile('statement-of-work.pdf'), 'application/pdf');
    f.report = await this.file('delivery-report.pdf', seedFile('delivery-report.pdf'), 'application/pdf');
    f.screenshot = await this.file('screenshot-dashboard.png', seedFile('screenshot-dashboard.png'), 'image/png', 1);
    f.photo = await this.file('photo-damaged-unit.png', seedFile('photo-damaged-unit.png'), 'image/png', 1);
    f.log = await this.file('order-log.txt', bigLog(700_000), 'text/plain');
    return f;
  }

  async disputes() {
    const btc = SATS_PER_BTC;
    const f = await this.evidenceFiles();
    const both = async (id, payerFiles, payeeFiles) => [
      ['payer', await this.manifest(id, 'payer', 'Payer evidence', 'Defects found at acceptance.', payerFiles)],
      ['payee', await this.manifest(id, 'payee', 'Payee evidence', 'Proof of delivery.', payeeFiles)],
    ];
    // 101: an ordinary dispute with text, PDF and PNG from both sides and a multi-block file
    await this.invoice(101, 'payer_1', 'payee_1', 'arbiter_1', btc / 5n, { title: 'API integration' });
    await this.deposit(101);
    await this.dispute(101, 'payer_1', await this.manifest(101, 'payer', 'Dispute raised', 'Milestone 2 not delivered.', [f.payerStatement]),
      await both(101, [f.chat, f.screenshot, f.log], [f.payeeStatement, f.report, f.sow]));
    // 102: over 10 sBTC, raised by the payee
    await this.invoice(102, 'payer_2', 'payee_2', 'arbiter_1', 12n * btc + btc / 2n, { title: 'Exchange integration' });
    await this.deposit(102);
    await this.dispute(102, 'payee_2', await this.manifest(102, 'payee', 'Payment withheld', 'Delivered, not paid.', [f.payeeStatement]),
      await both(102, [f.photo, f.chat], [f.report]));
    this.summary.special.over_10_sbtc = 102;
    // 103: terms parsed with low confidence
    await this.invoice(103, 'payer_3', 'payee_3', 'arbiter_1', btc / 3n, { title: 'Hardware batch', confidence: 0.62 });
    await this.deposit(103);
    await this.dispute(103, 'payer_3', await this.manifest(103, 'payer', 'Damaged goods', 'Units arrived damaged.', [f.photo]),
      await both(103, [f.payerStatement], [f.sow]));
    this.summary.special.low_confidence_terms = 103;
    // 104: a manifest lists a file whose blocks were never published
    const missingBytes = enc.encode('Courier receipt (this file was never published to IPFS)\n');
    const { cid: missingCid } = await this.store.addFile(missingBytes, { onlyHash: true });
    const missing = { name: 'courier-receipt.txt', cid: missingCid.toString(), media_type: 'text/plain', size: missingBytes.length };
    await this.invoice(104, 'payer_1', 'payee_3', 'arbiter_1', btc / 6n, { title: 'Shipping' });
    await this.deposit(104);
    await this.dispute(104, 'payee_3', await this.manifest(104, 'payee', 'Not paid', 'Shipped on time.', [missing]),
      await both(104, [f.chat], [missing, f.report]));
    this.summary.special.missing_file = { invoice_id: 104, cid: missing.cid };
    // 105: a manifest entry declares the CID of another file (the PNG) for its PDF
    const wrong = { ...f.sow, name: 'signed-contract.pdf', cid: f.screenshot.cid };
    await this.invoice(105, 'payer_2', 'payee_1', 'arbiter_1', btc / 7n, { title: 'Consulting' });
    await this.deposit(105);
    await this.dispute(105, 'payer_2', await this.manifest(105, 'payer', 'Scope dispute', 'Work outside the contract.', [f.payerStatement]),
      await both(105, [f.chat], [wrong]));
    this.summary.special.cid_mismatch = { invoice_id: 105, declared_cid: wrong.cid, declared_media_type: wrong.media_type, declared_size: wrong.size };
    // 106: already resolved by arbiter_1 (refund), with a published rationale document
    await this.invoice(106, 'payer_3', 'payee_2', 'arbiter_1', btc / 9n, { title: 'Video editing' });
    await this.deposit(106);
    await this.dispute(106, 'payer_3', await this.manifest(106, 'payer', 'Late delivery', 'Missed deadline.', [f.payerStatement]), []);
    const rationale = await this.rawDoc(rationaleDoc(106, this.summary.disputes[106].reason_cid,
      this.addr('arbiter_1'), this.chain.now()), true);
    await this.call('arbiter_1', 'resolve-dispute', [Cl.uint(106), Cl.principal(this.token), Cl.bool(false), Cl.buffer(rationale.hash)],
      this.paysOut(106));
    this.summary.invoices[106].status = 'refunded';
    this.summary.disputes[106].ruling = { release: false, rationale_cid: rationale.cid };
    // 201: a dispute for the other arbiter
    await this.invoice(201, 'payer_1', 'payee_2', 'arbiter_2', btc / 4n, { title: 'Market research' });
    await this.deposit(201);
    await this.dispute(201, 'payer_1', await this.manifest(201, 'payer', 'Incomplete report', 'Sections missing.', [f.chat]),
      await both(201, [f.payerStatement], [f.payeeStatement]));
  }
}

/**
 * Run the seed scenario on a fresh chain.
 * @returns {Promise<object>} summary: invoices, disputes, files and the special cases
 */
export async function seedScenario(chain, store, accounts) {
  return new Seeder(chain, store, accounts).run();
}

/**
 * Create `n` more disputes for arbiter_1 (for the sync benchmark): invoice, deposit, dispute.
 * @returns {Promise<{created: number, first_id: number, last_id: number, tip_height: number}>}
 */
export async function seedBench(chain, store, accounts, n) {
  const s = new Seeder(chain, store, accounts);
  const payers = ['payer_1', 'payer_2', 'payer_3'];
  const payees = ['payee_1', 'payee_2', 'payee_3'];
  const first = 100000 + chain.tipHeight * 10;
  const reason = await s.manifest(first, 'payer', 'Bench dispute', 'Generated for the sync benchmark.', []);
  for (let i = 0; i < n; i++) {
    const id = first + i;
    const payer = payers[i % 3];
    await s.invoice(id, payer, payees[i % 3], 'arbiter_1', 1000n + BigInt(i), { title: `Bench ${i}` });
    await s.deposit(id);
    await s.call(payer, 'raise-dispute', [Cl.uint(id), Cl.stringAscii(reason)]);
  }
  return { created: n, first_id: first, last_id: first + n - 1, tip_height: chain.tipHeight };
}

const STAGES = ['open', 'funded', 'disputed'];

/**
 * Create one invoice between named devnet accounts, signed by its payer, and take it to
 * `stage` (open, funded or disputed) through real transactions; a payer without enough mock
 * sBTC is minted what it needs first. For tests of the party index and the review policy.
 * @param {object} b `{id, payer, payee, arbiter, amount?, stage?}` (account names)
 * @returns {Promise<{invoice_id: number, stage: string, tip_height: number}>}
 */
export async function seedInvoice(chain, store, accounts, b) {
  const s = new Seeder(chain, store, accounts);
  const id = Number(b.id);
  if (!Number.isInteger(id) || id < 1 || id > 1e12) throw new HttpError(400, { error: 'id must be a positive integer' });
  for (const role of ['payer', 'payee', 'arbiter']) {
    if (typeof b[role] !== 'string' || !accounts.get(b[role])) throw new HttpError(400, { error: `${role} must name a devnet account` });
  }
  const amount = BigInt(Number.isInteger(b.amount) && b.amount > 0 ? b.amount : 100000);
  const stage = b.stage ?? 'open';
  if (!STAGES.includes(stage)) throw new HttpError(400, { error: `stage must be one of ${STAGES.join(', ')}` });
  await s.invoice(id, b.payer, b.payee, b.arbiter, amount, { title: `Invoice ${id}` });
  if (stage !== 'open') {
    await callAs(chain, accounts.get('deployer'), s.token, 'mint', [Cl.uint(amount), Cl.principal(s.addr(b.payer))]);
    await s.deposit(id);
  }
  if (stage === 'disputed') {
    const reason = await s.manifest(id, 'payer', 'Dispute', 'Raised through the devnet admin API.', []);
    await s.call(b.payer, 'raise-dispute', [Cl.uint(id), Cl.stringAscii(reason)]);
  }
  return { invoice_id: id, stage, tip_height: chain.tipHeight };
}
