// Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, integers only, no
// undefined. Signatures are computed over these bytes, so any two implementations that agree on
// the value agree on what was signed.
import { utf8 } from './bytes.ts';

export type Canonical = string | number | boolean | null | Canonical[] | { [key: string]: Canonical };

export function canonicalJson(value: Canonical): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON allows safe integers only, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys
    .map((k) => {
      const v = value[k];
      if (v === undefined) throw new TypeError(`canonical JSON has no undefined (key ${k})`);
      return `${JSON.stringify(k)}:${canonicalJson(v)}`;
    })
    .join(',')}}`;
}

export const canonicalBytes = (value: Canonical): Uint8Array => utf8(canonicalJson(value));
