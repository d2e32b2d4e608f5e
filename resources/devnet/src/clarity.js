// Clarity values as the Stacks API shows them: `{hex, repr}` pairs, where repr follows the
// Clarity VM's display form (principals carry a leading quote, e.g. `'ST1...`), and the
// conversion of simnet events into the extended API's event objects (docs/stacks-api.md).
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
 * Convert one clarinet-sdk event into the event object of the extended API's
 * `/extended/v3/transactions/{id}/events` (docs/stacks-api.md): `{event_index, type, <type>}`.
 * @param {{event: string, data: object}} ev simnet event
 * @param {number} index event_index within the transaction
 * @returns {object}
 */
export function apiEvent(ev, index) {
  const d = ev.data;
  if (ev.event === 'print_event') {
    return { event_index: index, type: 'contract_log',
      contract_log: { contract_id: d.contract_identifier, topic: 'print', value: hexRepr(hexToCV(d.raw_value)) } };
  }
  const m = ev.event.match(/^(stx|ft|nft)_(transfer|mint|burn)_event$/);
  if (!m) throw new Error(`the devnet has no API shape for simnet event ${ev.event}`);
  const [, asset, kind] = m;
  const body = { type: kind };
  if (kind !== 'mint') body.sender = d.sender;
  if (kind !== 'burn') body.recipient = d.recipient;
  if (asset !== 'stx') body.asset_identifier = d.asset_identifier;
  if (asset === 'nft') body.value = hexRepr(hexToCV(d.raw_value));
  else body.amount = String(d.amount);
  if (asset === 'stx' && kind === 'transfer') body.memo = d.memo ? { hex: `0x${d.memo}`, repr: memoText(d.memo) } : null;
  const type = `${asset}_asset`;
  return { event_index: index, type, [type]: body };
}

/** A memo's text as the API shows it: its bytes as UTF-8 with trailing zero bytes dropped. */
function memoText(hex) {
  return Buffer.from(hex, 'hex').toString('utf8').replace(/\0+$/, '');
}
