// Post-condition checking, as a node does it after executing a transaction: sum what each
// principal sent of each asset from the emitted asset events, test every post-condition
// against those sums, and in deny mode refuse any outflow no post-condition covers
// (SIP-005 post-conditions; SIP-040 originator mode covers only the origin's assets).
import { PostConditionMode, wireToPostCondition, cvToHex, hexToCV } from '@stacks/transactions';

const STX = 'STX';

/** Outflows per `principal|asset` from simnet events: amounts (FT/STX) and NFT value sets. */
export function outflows(events) {
  const sent = new Map();
  const nfts = new Map();
  for (const ev of events) {
    const d = ev.data;
    if (/^(stx|ft)_(transfer|burn)_event$/.test(ev.event)) {
      const key = `${d.sender}|${ev.event.startsWith('stx') ? STX : d.asset_identifier}`;
      sent.set(key, (sent.get(key) ?? 0n) + BigInt(d.amount));
    } else if (/^nft_(transfer|burn)_event$/.test(ev.event)) {
      const key = `${d.sender}|${d.asset_identifier}`;
      if (!nfts.has(key)) nfts.set(key, new Set());
      nfts.get(key).add(d.raw_value.replace(/^0x/, ''));
    }
  }
  return { sent, nfts };
}

function compare(actual, cond, amount) {
  switch (cond) {
    case 'eq': return actual === amount;
    case 'gt': return actual > amount;
    case 'gte': return actual >= amount;
    case 'lt': return actual < amount;
    case 'lte': return actual <= amount;
    default: return false;
  }
}

/**
 * Check a transaction's post-conditions against the asset events of its execution.
 * @param {import('@stacks/transactions').StacksTransactionWire} tx the decoded transaction
 * @param {string} origin the recovered sender address
 * @param {Array<{event: string, data: object}>} events simnet events of the call
 * @returns {string|null} null when they hold, else the reason in plain words
 */
export function checkPostConditions(tx, origin, events) {
  const { sent, nfts } = outflows(events);
  const covered = new Set();
  for (const wire of tx.postConditions.values) {
    const pc = wireToPostCondition(wire);
    const who = pc.address === 'origin' ? origin : pc.address;
    if (pc.type === 'stx-postcondition' || pc.type === 'ft-postcondition') {
      const asset = pc.type === 'stx-postcondition' ? STX : pc.asset;
      const key = `${who}|${asset}`;
      covered.add(key);
      const actual = sent.get(key) ?? 0n;
      if (!compare(actual, pc.condition, BigInt(pc.amount))) {
        return `post-condition ${pc.condition} ${pc.amount} of ${asset} by ${who} failed: sent ${actual}`;
      }
    } else if (pc.type === 'nft-postcondition') {
      const key = `${who}|${pc.asset}`;
      covered.add(key);
      const id = cvToHex(pc.assetId).replace(/^0x/, '');
      const moved = nfts.get(key)?.has(id) ?? false;
      if (pc.condition === 'sent' && !moved) return `post-condition: ${pc.asset} ${id} was not sent`;
      if (pc.condition === 'not-sent' && moved) return `post-condition: ${pc.asset} ${id} was sent`;
    }
  }
  if (tx.postConditionMode === PostConditionMode.Allow) return null;
  for (const key of [...sent.keys(), ...nfts.keys()]) {
    const [who] = key.split('|');
    if (tx.postConditionMode === PostConditionMode.Originator && who !== origin) continue;
    if (!covered.has(key)) return `deny mode: ${key.replace('|', ' sent ')} without a post-condition`;
  }
  return null;
}

export { hexToCV };
