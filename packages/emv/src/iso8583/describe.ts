import { bytesToHex } from '../bytes.ts';
import { describeTlv, maskPan, maskTrack2 } from '../describe.ts';
import type { TlvNode } from '../tlv.ts';
import { mtiName } from './mti.ts';
import type { FieldSpec, FieldValue, Iso8583Message, Iso8583Spec, Subelement } from './spec.ts';

function maskText(spec: FieldSpec | undefined, value: string): string {
  if (spec?.mask === 'pan') return maskPan(value);
  if (spec?.mask === 'track2') return maskTrack2(value);
  if (spec?.mask === 'all') return '*'.repeat(value.length);
  return value;
}

function describeValue(spec: FieldSpec | undefined, value: FieldValue): string {
  if (typeof value === 'string') return JSON.stringify(maskText(spec, value));
  if (value instanceof Uint8Array) return spec?.mask ? `<${value.length} bytes masked>` : bytesToHex(value);
  if (spec?.kind.type === 'tlv') return `\n${describeTlv(value as readonly TlvNode[], 3)}`;
  return (value as readonly Subelement[])
    .map((element) => `[${element.id}] ${JSON.stringify(element.value)}`)
    .join(' ');
}

/**
 * A readable dump for logs and test failures. PAN (DE2) shows first 6 / last 4, expiry (DE14) and
 * track data (DE35) are masked, and PAN-bearing tags inside DE55 are masked by describeTlv.
 */
export function describeIso8583(spec: Iso8583Spec, message: Iso8583Message): string {
  const lines = [`MTI ${message.mti} (${mtiName(message.mti)})`];
  const numbers = [...message.fields.keys()].sort((a, b) => a - b);
  for (const n of numbers) {
    const fieldSpec = spec.fields.get(n);
    const label = `DE${n}`.padEnd(6) + (fieldSpec?.name ?? 'unknown field');
    lines.push(`  ${label}: ${describeValue(fieldSpec, message.fields.get(n)!)}`);
  }
  return lines.join('\n');
}
