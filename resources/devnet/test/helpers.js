// Shared helpers of the service tests: an in-process devnet on a free loopback port, HTTP
// calls to it, and contract calls built and signed by @stacks/transactions (the reference
// implementation clients use), so the service is tested over its real HTTP API.
import { makeContractCall, PostConditionMode, Cl } from '@stacks/transactions';
import { STACKS_TESTNET } from '@stacks/network';
import { startDevnet } from '../src/main.js';

/** Start a devnet (`opts` as startDevnet's, e.g. `clock`); the caller closes it. */
export async function devnet(seed = false, opts = {}) {
  const d = await startDevnet({ ...opts, port: 0, seed });
  d.get = (path, headers = {}) => fetch(d.url + path, { headers });
  d.post = (path, body, headers = {}) => fetch(d.url + path, { method: 'POST', body, headers });
  d.postJson = (path, obj) => d.post(path, JSON.stringify(obj), { 'content-type': 'application/json' });
  d.account = (name) => d.chain.accounts.get(name);
  return d;
}

/**
 * Build and sign a contract call as a devnet account (nothing is sent).
 * @returns {Promise<import('@stacks/transactions').StacksTransactionWire>}
 */
export async function signedCall(d, who, fn, args, o = {}) {
  const acc = d.account(who);
  const [contractAddress, contractName] = (o.contract ?? `${d.chain.deployer}.escrow-secure`).split('.');
  return makeContractCall({
    contractAddress, contractName, functionName: fn, functionArgs: args,
    senderKey: acc.privateKey, nonce: o.nonce ?? d.chain.nextNonce(acc.address), fee: o.fee ?? 5000,
    network: o.network ?? STACKS_TESTNET, postConditions: o.postConditions ?? [],
    postConditionMode: o.allow ? PostConditionMode.Allow : PostConditionMode.Deny, validateWithAbi: false,
  });
}

/** POST raw transaction bytes; returns {status, body}. */
export async function send(d, tx) {
  const bytes = tx instanceof Uint8Array ? tx : tx.serializeBytes();
  const r = await d.post('/v2/transactions', bytes, { 'content-type': 'application/octet-stream' });
  return { status: r.status, body: await r.json() };
}

/** Sign, send and read back the extended API's record of the transaction. */
export async function broadcastAndRead(d, who, fn, args, o = {}) {
  const tx = await signedCall(d, who, fn, args, o);
  const sent = await send(d, tx);
  if (sent.status !== 200) throw new Error(`broadcast refused: ${JSON.stringify(sent.body)}`);
  return readTx(d, sent.body);
}

/** The extended API's record of a transaction, with its result and post-conditions. */
export async function readTx(d, txid) {
  return (await d.get(`/extended/v3/transactions/0x${txid.replace(/^0x/, '')}?include=result,post_conditions`)).json();
}

/** The first page (up to 100) of a mined transaction's events. */
export async function txEvents(d, txid) {
  return (await (await d.get(`/extended/v3/transactions/${txid}/events?limit=100`)).json()).results;
}

/** call-read through the API; returns the parsed JSON. */
export async function callRead(d, contract, fn, args, sender) {
  const [addr, name] = contract.split('.');
  const r = await d.postJson(`/v2/contracts/call-read/${addr}/${name}/${fn}`,
    { sender: sender ?? d.chain.deployer, arguments: args.map((a) => Cl.serialize(a)) });
  return r.json();
}

export { Cl };
