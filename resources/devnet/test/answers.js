// The answer shapes of the real services (schemas/answers.json) and a checker that reports
// every missing field, wrong type and undeclared field of an answer, so a devnet answer that
// is kinder or poorer than the world's fails its test.
import { readFileSync } from 'node:fs';

export const ROUTES = JSON.parse(readFileSync(new URL('../schemas/answers.json', import.meta.url), 'utf8')).routes;

/** The declared route of a request, or undefined. */
export function routeOf(method, path) {
  return ROUTES.find((r) => r.method === method && new RegExp(r.path).test(path));
}

const TYPES = {
  string: (v) => typeof v === 'string', integer: (v) => Number.isInteger(v), number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean', null: (v) => v === null, any: () => true,
};

/**
 * Every way `value` departs from `schema`.
 * @returns {string[]} problems, each naming the JSON path; empty when the value fits
 */
export function problems(schema, value, at = '$') {
  if (typeof schema === 'string') return TYPES[schema](value) ? [] : [`${at}: not ${schema}`];
  if ('const' in schema) return value === schema.const ? [] : [`${at}: not ${JSON.stringify(schema.const)}`];
  if (schema.oneOf) {
    const each = schema.oneOf.map((s) => problems(s, value, at));
    return each.some((p) => !p.length) ? [] : [`${at}: fits no alternative (${each.map((p) => p[0]).join('; ')})`];
  }
  if (schema.array) {
    if (!Array.isArray(value)) return [`${at}: not an array`];
    return value.flatMap((v, i) => problems(schema.array, v, `${at}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`];
  if (schema.map) return Object.entries(value).flatMap(([k, v]) => problems(schema.map, v, `${at}.${k}`));
  const optional = new Set(schema.optional ?? []);
  const out = [];
  for (const [k, s] of Object.entries(schema.object)) {
    if (!(k in value)) { if (!optional.has(k)) out.push(`${at}.${k}: missing`); continue; }
    out.push(...problems(s, value[k], `${at}.${k}`));
  }
  for (const k of Object.keys(value)) if (!(k in schema.object)) out.push(`${at}.${k}: not declared`);
  return out;
}
