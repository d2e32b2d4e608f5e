// How the devnet's own accounts act on chain: each call is built and signed with
// @stacks/transactions from the account's derived key and submitted through the same
// broadcast path as POST /v2/transactions, so seed data passes every check a client's does.
import { makeContractCall, PostConditionMode, Pc } from '@stacks/transactions';
import { broadcast, Rejection } from './broadcast.js';

export const SEED_FEE = 3000;

/**
 * Sign a contract call as a named account and broadcast it.
 * @param {import('./chain.js').Chain} chain
 * @param {{privateKey: string, address: string}} account
 * @param {string} contractId `ADDR.name`
 * @param {string} fn function name
 * @param {import('@stacks/transactions').ClarityValue[]} args
 * @param {{postConditions?: any[], mode?: 'allow'|'deny'}} opts
 * @returns {Promise<object>} the transaction record
 */
export async function callAs(chain, account, contractId, fn, args, opts = {}) {
  const [contractAddress, contractName] = contractId.split('.');
  let nonce = await chain.run(() => chain.nextNonce(account.address));
  for (let attempt = 0; ; attempt++) {
    const tx = await makeContractCall({
      contractAddress, contractName, functionName: fn, functionArgs: args,
      senderKey: account.privateKey, nonce, fee: SEED_FEE, network: 'testnet',
      postConditions: opts.postConditions ?? [],
      postConditionMode: opts.mode === 'allow' ? PostConditionMode.Allow : PostConditionMode.Deny,
      validateWithAbi: false,
    });
    let txid;
    try {
      txid = await broadcast(chain, tx.serializeBytes());
    } catch (e) {
      // a client of the live devnet used the same account meanwhile: sign again with its nonce
      if (e instanceof Rejection && e.reason === 'BadNonce' && attempt < 3) { nonce = e.reasonData.expected; continue; }
      throw e;
    }
    const rec = chain.txs.get(txid);
    if (opts.expect !== false && rec.status !== 'success') {
      throw new Error(`seed call ${fn} by ${account.address} ended ${rec.status}: ${rec.result?.repr ?? rec.vm_error}`);
    }
    return rec;
  }
}

/** The SIP-010 post-condition a wallet attaches: `who` sends exactly `amount` of the token. */
export function sendsExactly(who, amount, tokenContract, assetName = 'sbtc') {
  return Pc.principal(who).willSendEq(amount).ft(tokenContract, assetName);
}
