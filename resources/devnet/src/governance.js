// Governance for tests and the demo: the devnet's admins sign and mine the escrow's
// governance calls (propose-pause, approve-pause, unpause, whitelist-token,
// remove-token-from-whitelist, approve-action) as real transactions, through the same
// broadcast path as any client's, so a person or a test can pause the contract and watch the
// app notice. Every action takes two of the three admins: one proposes, another approves.
import { Cl } from '@stacks/transactions';
import { HttpError } from './http.js';
import { callAs } from './wallet.js';

const ADMINS = ['admin_1', 'admin_2', 'admin_3'];

/** The Clarity arguments of each governance call, from the request body. */
const CALLS = {
  'propose-pause': () => [],
  'approve-pause': (b, chain) => [Cl.uint(b.action_id ?? lastActionId(chain))],
  'approve-action': (b, chain) => [Cl.uint(b.action_id ?? lastActionId(chain))],
  unpause: () => [],
  'whitelist-token': (b, chain) => [Cl.principal(token(b, chain))],
  'remove-token-from-whitelist': (b, chain) => [Cl.principal(token(b, chain))],
};

function lastActionId(chain) {
  const v = chain.simnet.getDataVar(`${chain.deployer}.escrow-secure`, 'last-action-id');
  return v.value;
}

function token(b, chain) {
  if (b.token === undefined) return `${chain.deployer}.sbtc-token`;
  if (typeof b.token !== 'string' || !/^S[A-Z0-9]{28,40}(\.[a-zA-Z][a-zA-Z0-9-]{0,39})?$/.test(b.token)) {
    throw new HttpError(400, { error: 'token must be a principal' });
  }
  return b.token;
}

/**
 * Have an admin sign and send one governance call; it is mined unless `hold_txs` is on.
 * @param {object} b `{action, admin?: "admin_1"|"admin_2"|"admin_3", action_id?, token?}`
 * @returns {Promise<object>} `{txid, status, result}` of the transaction
 */
export async function governance(chain, accounts, b) {
  const args = CALLS[b.action];
  if (!args) throw new HttpError(400, { error: `action must be one of ${Object.keys(CALLS).join(', ')}` });
  const admin = b.admin ?? 'admin_1';
  if (!ADMINS.includes(admin)) throw new HttpError(400, { error: `admin must be one of ${ADMINS.join(', ')}` });
  if (b.action_id !== undefined && (!Number.isInteger(b.action_id) || b.action_id < 1)) {
    throw new HttpError(400, { error: 'action_id must be a positive integer' });
  }
  const built = await chain.run(() => args(b, chain));
  const rec = await callAs(chain, accounts.get(admin), `${chain.deployer}.escrow-secure`, b.action, built, { expect: false });
  return { txid: `0x${rec.txid}`, status: rec.status, result: rec.result?.repr ?? null };
}
