// A contract function's argument types (from the simnet's contract interface, the ABI JSON of
// `/v2/contracts/interface`) checked against Clarity values, so that a badly typed call is
// refused at broadcast with `BadFunctionArgument`, as a node's static check does.

const INT_TYPES = { int128: 'int', uint128: 'uint' };

/**
 * Whether a Clarity value fits an ABI type.
 * @param {string|object} t ABI type (`'uint128'`, `{buffer: {length}}`, `{optional: t}`, ...)
 * @param {import('@stacks/transactions').ClarityValue} cv
 * @returns {boolean}
 */
export function typeMatches(t, cv) {
  if (typeof t === 'string') {
    if (INT_TYPES[t]) return cv.type === INT_TYPES[t];
    if (t === 'bool') return cv.type === 'true' || cv.type === 'false';
    if (t === 'principal') return cv.type === 'address' || cv.type === 'contract';
    if (t === 'trait_reference') return cv.type === 'contract';
    return false;
  }
  if (t.buffer) return cv.type === 'buffer' && cv.value.length / 2 <= t.buffer.length;
  if (t['string-ascii']) return cv.type === 'ascii' && cv.value.length <= t['string-ascii'].length;
  if (t['string-utf8']) {
    return cv.type === 'utf8' && new TextEncoder().encode(cv.value).length <= t['string-utf8'].length;
  }
  if (t.optional !== undefined) return cv.type === 'none' || (cv.type === 'some' && typeMatches(t.optional, cv.value));
  if (t.response) {
    return (cv.type === 'ok' && typeMatches(t.response.ok, cv.value))
      || (cv.type === 'err' && typeMatches(t.response.error, cv.value));
  }
  if (t.list) {
    return cv.type === 'list' && cv.value.length <= t.list.length
      && cv.value.every((v) => typeMatches(t.list.type, v));
  }
  if (t.tuple) {
    if (cv.type !== 'tuple') return false;
    const names = Object.keys(cv.value);
    return names.length === t.tuple.length
      && t.tuple.every((f) => f.name in cv.value && typeMatches(f.type, cv.value[f.name]));
  }
  return false;
}
