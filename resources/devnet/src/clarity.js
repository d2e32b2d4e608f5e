// Clarity values as the Stacks API shows them: `{hex, repr}` pairs, where repr follows the
// Clarity VM's display form (principals carry a leading quote, e.g. `'ST1...`), and the
// conversion of simnet events into the extended API's event objects (reference/stacks.md 7.2).
import { cvToHex, hexToCV } from '@stacks/transactions';

/**
 * The Clarity VM's display form of a value.
 * @param {import('@stacks/transactions').ClarityValue} cv
 * @returns {string}
 */
export function repr(cv) {
  switch (cv.type) {
    case 'int': return cv.value.toString();
    case 'uint': return `u${cv.value}`;
    case 'buffer': return `0x${cv.value}`;
    case 'true': return 'true';
    case 'false': return 'false';
    case 'address': case 'contract': return `'${cv.value}`;
    case 'ok': return `(ok ${repr(cv.value)})`;
    case 'err': return `(err ${repr(cv.value)})`;
    case 'some': return `(some ${repr(cv.value)})`;
    case 'none': return 'none';
    case 'list': return `(list${cv.value.map((v) => ' ' + repr(v)).join('')})`;
    case 'tuple':
      return `(tuple${Object.entries(cv.value).map(([k, v]) => ` (${k} ${repr(v)})`).join('')})`;
    case 'ascii': return JSON.stringify(cv.value);
    case 'utf8': return `u${utf8Literal(cv.value)}`;
    default: throw new Error(`unknown Clarity type ${cv.type}`);
  }
}

function utf8Literal(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out + '"';
}

/** @returns {{hex: string, repr: string}} */
export function hexRepr(cv) {
  return { hex: cvToHex(cv), repr: repr(cv) };
}

/** Re-read a value from its hex so tuple keys come out in wire (sorted) order. */
export function canonical(cv) {
  return hexToCV(cvToHex(cv));
}

/**
 * Convert one clarinet-sdk event into the extended API's event object.
 * @param {{event: string, data: object}} ev simnet event
 * @param {number} index event_index within the transaction
 * @param {string} txid 0x-prefixed tx id
 * @returns {object}
 */
export function apiEvent(ev, index, txid) {
  const base = { event_index: index, tx_id: txid };
  const d = ev.data;
  const kind = { transfer_event: 'transfer', mint_event: 'mint', burn_event: 'burn' };
  const m = ev.event.match(/^(stx|ft|nft)_(transfer_event|mint_event|burn_event)$/);
  if (ev.event === 'print_event') {
    const value = hexToCV(d.raw_value);
    return { ...base, event_type: 'smart_contract_log',
      contract_log: { contract_id: d.contract_identifier, topic: d.topic, value: hexRepr(value) } };
  }
  if (m) {
    const asset = { asset_event_type: kind[m[2]], sender: d.sender ?? '', recipient: d.recipient ?? '' };
    if (m[1] === 'stx') return { ...base, event_type: 'stx_asset', asset: { ...asset, amount: String(d.amount) } };
    if (m[1] === 'ft') {
      return { ...base, event_type: 'fungible_token_asset',
        asset: { ...asset, asset_id: d.asset_identifier, amount: String(d.amount) } };
    }
    return { ...base, event_type: 'non_fungible_token_asset',
      asset: { ...asset, asset_id: d.asset_identifier, value: hexRepr(hexToCV(d.raw_value)) } };
  }
  return { ...base, event_type: ev.event, data: d };
}
