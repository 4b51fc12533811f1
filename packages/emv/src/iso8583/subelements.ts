import { err, ok, type Result } from '../result.ts';
import type { Subelement } from './spec.ts';

// DE48 layout (tapkit): repeated [2-digit id][2-digit length][value], values printable ASCII.

export const subelementValueCharsMax = 99;

/** Known DE48 subelement ids (tapkit). */
export const DE48_SUBELEMENT = {
  TOKEN_UNIQUE_REFERENCE: '01',
  CUSTOM_DATA: '02',
  FUNDING_REFERENCE: '03',
  CLEARING_FILE_ID: '10',
} as const;

const printable = /^[\x20-\x7e]*$/;

export function encodeSubelements(subelements: readonly Subelement[]): Result<string, string> {
  const seen = new Set<string>();
  let out = '';
  for (const { id, value } of subelements) {
    if (!/^\d{2}$/.test(id)) return err(`subelement id "${id}" is not 2 digits`);
    if (seen.has(id)) return err(`duplicate subelement ${id}`);
    seen.add(id);
    if (value.length > subelementValueCharsMax) return err(`subelement ${id} longer than 99`);
    if (!printable.test(value)) return err(`subelement ${id} has non-printable characters`);
    out += id + String(value.length).padStart(2, '0') + value;
  }
  return ok(out);
}

export function decodeSubelements(textValue: string): Result<Subelement[], string> {
  const out: Subelement[] = [];
  const seen = new Set<string>();
  let offset = 0;
  // Each iteration consumes at least 4 characters, so the loop ends.
  while (offset < textValue.length) {
    const header = textValue.slice(offset, offset + 4);
    if (!/^\d{4}$/.test(header)) return err(`bad subelement header at ${offset}`);
    const id = header.slice(0, 2);
    const length = Number(header.slice(2));
    const value = textValue.slice(offset + 4, offset + 4 + length);
    if (value.length !== length) return err(`subelement ${id} truncated`);
    if (seen.has(id)) return err(`duplicate subelement ${id}`);
    seen.add(id);
    out.push({ id, value });
    offset += 4 + length;
  }
  return ok(out);
}
