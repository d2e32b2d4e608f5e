// Reference side of the Stacks codec interop tests: @stacks/transactions (stacks.js) 7.6.
//
// Reads one JSON request on stdin and writes one JSON answer on stdout:
//   {seed, generate: {values, txs, sip018}, check: {values: [...], txs: [...], sip018: [...]}}
// "generate" makes seeded random Clarity values, signed contract calls (both networks, random
// post-conditions) and SIP-018 hashes/signatures with stacks.js, for Python to decode.
// "check" takes values and transactions made by Python: it builds each from its description
// with stacks.js (so the bytes can be compared), re-serializes Python's hex after decoding it,
// and verifies Python's transaction signatures with stacks.js's own verifier.
import { createHash } from 'node:crypto';
import {
  Cl, deserializeCV, serializeCV, makeContractCall, deserializeTransaction,
  getAddressFromPrivateKey, privateKeyToPublic, encodeStructuredDataBytes, signStructuredData,
  addressToString, addressFromVersionHash, addressFromPublicKeys, createStacksPublicKey, AddressHashMode,
} from '@stacks/transactions';

// --- seeded randomness: SHA-256 in counter mode, so a seed reproduces every vector ---
function rng(seed) {
  let counter = 0;
  let pool = Buffer.alloc(0);
  const bytes = (n) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
  const int = (n) => bytes(4).readUInt32BE(0) % n; // n small: bias irrelevant for tests
  const pick = (xs) => xs[int(xs.length)];
  const big = (n) => BigInt('0x' + (bytes(n).toString('hex') || '0'));
  return { bytes, int, pick, big };
}

const VERSIONS = [22, 20, 26, 21];
const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-';

function address(r) {
  return addressToString(addressFromVersionHash(r.pick(VERSIONS), r.bytes(20).toString('hex')));
}
function contractName(r) {
  let s = r.pick('abcdefghijklmnopqrstuvwxyz'.split(''));
  const n = r.int(20);
  for (let i = 0; i < n; i++) s += r.pick('abcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
  return s;
}
// Keys limited to lowercase letters, digits and '-' : there localeCompare equals byte order.
function key(r) {
  let s = r.pick('abcdefghijklmnopqrstuvwxyz'.split(''));
  const n = r.int(12);
  for (let i = 0; i < n; i++) s += r.pick(KEY_CHARS.split(''));
  return s;
}
function ascii(r, max) {
  let s = '';
  const n = r.int(max);
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x20 + r.int(0x5f));
  return s;
}
function utf8(r, max) {
  const ranges = [[0x20, 0x7e], [0xa0, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xfffd], [0x10000, 0x10ffff]];
  let s = '';
  const n = r.int(max);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = r.pick(ranges);
    s += String.fromCodePoint(lo + r.int(hi - lo + 1));
  }
  return s;
}

function randomValue(r, depth = 0) {
  const leaf = ['int', 'uint', 'buff', 'bool', 'principal', 'contract', 'none', 'ascii', 'utf8'];
  const kinds = depth >= 4 ? leaf : [...leaf, 'ok', 'err', 'some', 'list', 'tuple', 'tuple'];
  switch (r.pick(kinds)) {
    case 'int': return Cl.int(BigInt.asIntN(128, r.big(r.pick([1, 2, 8, 16]))));
    case 'uint': return Cl.uint(BigInt.asUintN(128, r.big(r.pick([1, 2, 8, 16]))));
    case 'buff': return Cl.buffer(r.bytes(r.int(40)));
    case 'bool': return Cl.bool(r.int(2) === 1);
    case 'principal': return Cl.standardPrincipal(address(r));
    case 'contract': return Cl.contractPrincipal(address(r), contractName(r));
    case 'none': return Cl.none();
    case 'ascii': return Cl.stringAscii(ascii(r, 30));
    case 'utf8': return Cl.stringUtf8(utf8(r, 12));
    case 'ok': return Cl.ok(randomValue(r, depth + 1));
    case 'err': return Cl.error(randomValue(r, depth + 1));
    case 'some': return Cl.some(randomValue(r, depth + 1));
    case 'list': {
      const n = r.int(5);
      return Cl.list(Array.from({ length: n }, () => randomValue(r, depth + 1)));
    }
    default: {
      const fields = {};
      const n = 1 + r.int(4);
      for (let i = 0; i < n; i++) fields[key(r)] = randomValue(r, depth + 1);
      return Cl.tuple(fields);
    }
  }
}

// Principal texts in depth-first order, so Python can compare its c32 rendering.
function principals(cv, out = []) {
  if (cv.type === 'address' || cv.type === 'contract') out.push(cv.value);
  else if (['ok', 'err', 'some'].includes(cv.type)) principals(cv.value, out);
  else if (cv.type === 'list') cv.value.forEach((v) => principals(v, out));
  else if (cv.type === 'tuple') Object.keys(cv.value).sort().forEach((k) => principals(cv.value[k], out));
  return out;
}

function randomPostCondition(r) {
  const who = r.pick(['origin', 'standard', 'contract']);
  const addr = who === 'origin' ? 'origin' : who === 'standard' ? address(r) : `${address(r)}.${contractName(r)}`;
  const asset = `${address(r)}.${contractName(r)}::${key(r)}`;
  const amount = r.big(r.pick([1, 4, 8])).toString();
  const amountCondition = r.pick(['eq', 'gt', 'gte', 'lt', 'lte']);
  switch (r.pick(['stx', 'ft', 'nft', 'nft', 'staking', 'pox'])) {
    case 'stx': return { type: 'stx-postcondition', address: addr, condition: amountCondition, amount };
    case 'staking': return { type: 'staking-postcondition', address: addr, condition: amountCondition, amount };
    case 'pox': return {
      type: 'pox-postcondition', address: addr,
      condition: r.pick(['will-not-perform', 'may-perform', 'will-perform']),
    };
    case 'ft': return { type: 'ft-postcondition', address: addr, condition: amountCondition, asset, amount };
    default: return {
      type: 'nft-postcondition', address: addr, asset, assetId: randomValue(r, 3),
      condition: r.pick(['sent', 'not-sent', 'maybe-sent']),
    };
  }
}

async function randomTx(r) {
  let senderKey;
  do senderKey = r.bytes(32).toString('hex') + '01';
  while (senderKey.startsWith('00'));
  const network = r.pick(['mainnet', 'testnet']);
  const n = 1 + r.int(4); // every transaction carries post-conditions
  const tx = await makeContractCall({
    contractAddress: address(r), contractName: contractName(r), functionName: key(r),
    functionArgs: Array.from({ length: r.int(5) }, () => randomValue(r, 1)),
    senderKey, network, nonce: r.big(r.pick([1, 4, 8])), fee: r.big(r.pick([1, 4, 8])),
    postConditionMode: r.pick(['allow', 'deny', 'originator']),
    postConditions: Array.from({ length: n }, () => randomPostCondition(r)),
    validateWithAbi: false,
  });
  // The fields a reviewer sees, as stacks.js's own decoder reads them back.
  const d = deserializeTransaction(tx.serialize());
  const c = d.auth.spendingCondition;
  const review = {
    version: d.transactionVersion, chain_id: d.chainId, nonce: String(c.nonce), fee: String(c.fee),
    anchor_mode: d.anchorMode, post_condition_mode: d.postConditionMode,
    post_conditions: d.postConditions.values.length,
    contract_id: `${addressToString(d.payload.contractAddress)}.${d.payload.contractName.content}`,
    function_name: d.payload.functionName.content, args: d.payload.functionArgs.map(serializeCV),
  };
  return {
    hex: tx.serialize(), txid: tx.txid(), network, public_key: privateKeyToPublic(senderKey),
    sender: getAddressFromPrivateKey(senderKey, network), review,
  };
}

function randomSip018(r) {
  const chainId = r.pick([1, 0x80000000]);
  const domain = Cl.tuple({
    name: Cl.stringAscii(ascii(r, 20)), version: Cl.stringAscii(ascii(r, 8)), 'chain-id': Cl.uint(chainId),
  });
  const message = randomValue(r, 1);
  const privateKey = r.bytes(32).toString('hex') + '01';
  return {
    domain: serializeCV(domain), message: serializeCV(message),
    hash: createHash('sha256').update(encodeStructuredDataBytes({ message, domain })).digest('hex'),
    signature: signStructuredData({ message, domain, privateKey }),
    address: getAddressFromPrivateKey(privateKey, chainId === 1 ? 'mainnet' : 'testnet'),
    chain_id: chainId,
  };
}

// --- building from Python's JSON descriptions ---
function build(d) {
  switch (d.t) {
    case 'int': return Cl.int(BigInt(d.v));
    case 'uint': return Cl.uint(BigInt(d.v));
    case 'buff': return Cl.bufferFromHex(d.v);
    case 'bool': return Cl.bool(d.v);
    case 'principal': return Cl.principal(d.v);
    case 'ok': return Cl.ok(build(d.v));
    case 'err': return Cl.error(build(d.v));
    case 'some': return Cl.some(build(d.v));
    case 'none': return Cl.none();
    case 'list': return Cl.list(d.v.map(build));
    case 'tuple': return Cl.tuple(Object.fromEntries(Object.entries(d.v).map(([k, v]) => [k, build(v)])));
    case 'ascii': return Cl.stringAscii(d.v);
    case 'utf8': return Cl.stringUtf8(d.v);
    default: throw new Error(`unknown description ${d.t}`);
  }
}

function buildPostCondition(p) {
  const pc = { type: `${p.type}-postcondition`, address: p.principal, condition: p.condition };
  if (p.type === 'ft' || p.type === 'nft') pc.asset = p.asset;
  if (p.type === 'nft') pc.assetId = build(p.asset_id);
  if (p.type === 'stx' || p.type === 'ft' || p.type === 'staking') pc.amount = p.amount;
  return pc;
}

async function checkTx(t) {
  const [contractAddress, contractName] = t.contract_id.split('.');
  const built = await makeContractCall({
    contractAddress, contractName, functionName: t.function_name, functionArgs: t.args.map(build),
    senderKey: t.private_key, network: t.network, nonce: BigInt(t.nonce), fee: BigInt(t.fee),
    postConditionMode: t.mode, postConditions: t.post_conditions.map(buildPostCondition),
    validateWithAbi: false,
  });
  const decoded = deserializeTransaction(t.hex);
  let verified = false;
  let error = null;
  try { decoded.verifyOrigin(); verified = true; } catch (e) { error = String(e.message ?? e); }
  return {
    built: built.serialize(), reserialized: decoded.serialize(), txid: decoded.txid(),
    sender: getAddressFromPrivateKey(t.private_key, t.network), verified, error,
    p2wpkh_signer: addressFromPublicKeys(0, AddressHashMode.P2WPKH, 1,
      [createStacksPublicKey(privateKeyToPublic(t.private_key))]).hash160,
  };
}

function checkValue(v) {
  return { built: serializeCV(build(v.desc)), reserialized: serializeCV(deserializeCV(v.hex)) };
}

function checkSip018(s) {
  const domain = build(s.domain);
  const message = build(s.message);
  return {
    hash: createHash('sha256').update(encodeStructuredDataBytes({ message, domain })).digest('hex'),
    signature: signStructuredData({ message, domain, privateKey: s.private_key }),
  };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const r = rng(request.seed);
const gen = request.generate ?? {};
const answer = { generated: { values: [], txs: [], sip018: [] }, checked: { values: [], txs: [], sip018: [] } };
for (let i = 0; i < (gen.values ?? 0); i++) {
  const cv = randomValue(r);
  answer.generated.values.push({ hex: serializeCV(cv), principals: principals(cv) });
}
for (let i = 0; i < (gen.txs ?? 0); i++) answer.generated.txs.push(await randomTx(r));
for (let i = 0; i < (gen.sip018 ?? 0); i++) answer.generated.sip018.push(randomSip018(r));
const check = request.check ?? {};
answer.checked.values = (check.values ?? []).map(checkValue);
for (const t of check.txs ?? []) answer.checked.txs.push(await checkTx(t));
answer.checked.sip018 = (check.sip018 ?? []).map(checkSip018);
process.stdout.write(JSON.stringify(answer));
