// The devnet's mock sBTC under the deployer's hand, for tests and a person trying the demo:
// mint to or burn from any principal (an account or a contract, e.g. the escrow) as real
// transactions through the normal broadcast path. Burning from the escrow makes it hold less
// than its invoices, the case step 3's deposit check must catch. A burn moves tokens out of
// a holder that set no post-condition for it, so it is sent in allow mode.
import { Cl } from '@stacks/transactions';
import { HttpError } from './http.js';
import { callAs } from './wallet.js';

const PRINCIPAL = /^S[0-9A-Z]{28,40}(\.[a-zA-Z][a-zA-Z0-9-]{0,39})?$/;

function owner(b, chain) {
  if (b.owner === 'escrow') return `${chain.deployer}.escrow-secure`;
  if (typeof b.owner === 'string' && chain.accounts.get(b.owner)) return chain.accounts.get(b.owner).address;
  if (typeof b.owner === 'string' && PRINCIPAL.test(b.owner)) return b.owner;
  throw new HttpError(400, { error: 'owner must be "escrow", a devnet account name or a principal' });
}

/**
 * Have the deployer mint or burn mock sBTC.
 * @param {object} b `{action: "mint"|"burn", owner, amount}`
 * @returns {Promise<object>} `{txid, status, result}` of the transaction
 */
export async function tokenAdmin(chain, b) {
  if (!['mint', 'burn'].includes(b.action)) throw new HttpError(400, { error: 'action must be mint or burn' });
  if (!Number.isSafeInteger(b.amount) || b.amount < 1) throw new HttpError(400, { error: 'amount must be a positive integer' });
  const who = owner(b, chain);
  const token = `${chain.deployer}.sbtc-token`;
  const rec = await callAs(chain, chain.accounts.get('deployer'), token, b.action,
    [Cl.uint(b.amount), Cl.principal(who)], { expect: false, mode: 'allow' });
  return { txid: `0x${rec.txid}`, status: rec.status, result: rec.result?.repr ?? null };
}
