// POST /v2/transactions: admit only real signed transactions, the way a node's mempool does
// (docs/stacks-api.md): decode with @stacks/transactions, check version and chain id,
// recover the signer and compare with the origin's hash160, check fee and nonce, check the
// call against the contract's interface, then execute it as the recovered sender in its own
// block and check its post-conditions against the emitted asset events.
import {
  AuthType, PayloadType, PostConditionMode, deserializeTransaction, wireToPostCondition,
  addressToString,
} from '@stacks/transactions';
import { hexRepr } from './clarity.js';
import { c32address } from 'c32check';
import { checkPostConditions } from './postconditions.js';
import { typeMatches } from './types.js';

export const TESTNET_CHAIN_ID = 0x80000000;
const TESTNET_TX_VERSION = 0x80;

/** A mempool rejection: HTTP 400 with the node's JSON body. */
export class Rejection extends Error {
  constructor(reason, reasonData, txid = '') {
    super(reason);
    this.reason = reason;
    this.reasonData = reasonData;
    this.txid = txid;
  }

  body() {
    const out = { error: 'transaction rejected', reason: this.reason, txid: this.txid };
    if (this.reasonData !== undefined) out.reason_data = this.reasonData;
    return out;
  }
}

function decode(bytes) {
  try {
    return deserializeTransaction(bytes);
  } catch (e) {
    throw new Rejection('Deserialization', { message: `Failed to decode transaction: ${e.message}` });
  }
}

/** Recover the origin's address; the signer must hash to the spending condition's signer. */
function recoverSender(tx, txid) {
  if (tx.auth.authType !== AuthType.Standard) {
    throw new Rejection('SignatureValidation', { message: 'sponsored transactions are not accepted by this devnet' }, txid);
  }
  try {
    tx.verifyOrigin();
  } catch (e) {
    throw new Rejection('SignatureValidation', { message: e.message }, txid);
  }
  const cond = tx.auth.spendingCondition;
  // testnet versions: 26 single-sig (P2PKH 0x00, P2WPKH 0x02), 21 multi-sig (the other modes)
  return c32address([0x00, 0x02].includes(cond.hashMode) ? 26 : 21, cond.signer);
}

function contractCall(chain, tx, txid) {
  if (tx.payload.payloadType !== PayloadType.ContractCall) {
    throw new Rejection('ServerFailureOther', { message: 'this devnet accepts contract calls only' }, txid);
  }
  const p = tx.payload;
  const contract = `${addressToString(p.contractAddress)}.${p.contractName.content}`;
  const fn = p.functionName.content;
  const iface = chain.interfaces.get(contract);
  if (!iface) throw new Rejection('NoSuchContract', undefined, txid);
  const def = iface.functions.find((f) => f.name === fn && f.access === 'public');
  if (!def) throw new Rejection('NoSuchPublicFunction', undefined, txid);
  const args = p.functionArgs;
  if (args.length !== def.args.length) {
    throw new Rejection('BadFunctionArgument', { message: `expected ${def.args.length} arguments, got ${args.length}` }, txid);
  }
  def.args.forEach((a, i) => {
    if (!typeMatches(a.type, args[i])) {
      throw new Rejection('BadFunctionArgument', { message: `argument ${a.name} is not a ${JSON.stringify(a.type)}` }, txid);
    }
  });
  return { contract, fn, args };
}

/**
 * The mempool's nonce rules (docs/stacks-api.md): below the confirmed nonce is
 * `BadNonce`; the nonce of a pending transaction replaces it only for a strictly higher fee,
 * else `ConflictingNonceInMempool`; otherwise it must be the next one (this devnet does not
 * keep gaps).
 * @returns {object|null} the pending call this one replaces
 */
function checkNonce(chain, sender, nonce, fee, txid) {
  const confirmed = chain.nextNonce(sender);
  const pending = chain.pendingOf(sender);
  const bad = (expected) => new Rejection('BadNonce', { expected, actual: nonce, principal: sender, is_origin: true }, txid);
  if (nonce < confirmed) throw bad(confirmed);
  const same = pending.find((p) => p.nonce === nonce);
  if (same) {
    if (fee <= same.fee) {
      throw new Rejection('ConflictingNonceInMempool', { message: `nonce ${nonce} of ${sender} is already pending with fee ${same.fee}` }, txid);
    }
    return same;
  }
  if (nonce !== confirmed + pending.length) throw bad(confirmed + pending.length);
  return null;
}

/**
 * Validate and execute one serialized transaction (or, while `hold_txs` is on, admit it to
 * the mempool until /admin/mine).
 * @param {import('./chain.js').Chain} chain
 * @param {Uint8Array} bytes the raw transaction
 * @returns {Promise<string>} the txid (64 hex, no 0x)
 * @throws {Rejection} when the mempool would refuse it
 */
export function broadcast(chain, bytes) {
  return chain.run(async () => {
    const tx = decode(bytes);
    const txid = tx.txid();
    // already known: a node answers 200 with the txid (one dropped from its mempool is new again)
    if (chain.txs.has(txid) && !chain.txs.get(txid).status.startsWith('dropped_')) return txid;
    if (tx.transactionVersion !== TESTNET_TX_VERSION || tx.chainId !== TESTNET_CHAIN_ID) {
      throw new Rejection('BadTransactionVersion', {
        message: `expected version 0x80 and chain id 0x80000000, got 0x${tx.transactionVersion.toString(16)} and 0x${tx.chainId.toString(16)}`,
      }, txid);
    }
    const sender = recoverSender(tx, txid);
    const cond = tx.auth.spendingCondition;
    const fee = BigInt(cond.fee);
    if (fee < BigInt(bytes.length)) {
      throw new Rejection('FeeTooLow', { expected: bytes.length, actual: Number(fee) }, txid);
    }
    if (!chain.faults?.holdTxs) await chain.flush();
    const nonce = Number(cond.nonce);
    const replaces = checkNonce(chain, sender, nonce, fee, txid);
    const balance = chain.stxBalance(sender);
    if (balance < fee) {
      throw new Rejection('NotEnoughFunds', { expected: `0x${fee.toString(16)}`, actual: `0x${balance.toString(16)}` }, txid);
    }
    const call = { ...contractCall(chain, tx, txid), txid, sender, nonce, fee, raw: bytes, tx,
      checkPostConditions: (events) => checkPostConditions(tx, sender, events) };
    if (chain.faults?.holdTxs) chain.admit(call, replaces);
    else await chain.execute(call);
    return txid;
  });
}

const CODES = { eq: 'sent_equal_to', gt: 'sent_greater_than', gte: 'sent_greater_than_or_equal_to',
  lt: 'sent_less_than', lte: 'sent_less_than_or_equal_to', sent: 'sent', 'not-sent': 'not_sent', 'maybe-sent': 'maybe_sent' };

function principalJson(address) {
  if (address === 'origin') return { type_id: 'principal_origin' };
  const [addr, name] = address.split('.');
  return name ? { type_id: 'principal_contract', address: addr, contract_name: name }
    : { type_id: 'principal_standard', address: addr };
}

function assetJson(asset) {
  const [id, assetName] = asset.split('::');
  const [addr, name] = id.split('.');
  return { asset_name: assetName, contract_address: addr, contract_name: name };
}

/** The extended API's JSON for a transaction's post-conditions. */
export function postConditionsJson(tx) {
  return tx.postConditions.values.map((wire) => {
    const pc = wireToPostCondition(wire);
    const base = { principal: principalJson(pc.address), condition_code: CODES[pc.condition] };
    if (pc.type === 'stx-postcondition') return { ...base, type: 'stx', amount: String(pc.amount) };
    if (pc.type === 'ft-postcondition') return { ...base, type: 'fungible', amount: String(pc.amount), asset: assetJson(pc.asset) };
    if (pc.type === 'nft-postcondition') {
      return { ...base, type: 'non_fungible', asset: assetJson(pc.asset), asset_value: hexRepr(pc.assetId) };
    }
    return { ...base, type: pc.type.replace('-postcondition', '') };
  });
}

export function modeName(tx) {
  return { [PostConditionMode.Allow]: 'allow', [PostConditionMode.Deny]: 'deny', [PostConditionMode.Originator]: 'originator' }[tx.postConditionMode];
}
