import { decodeIso8583, encodeIso8583, type Iso8583Message, iso8583v1987 } from '@tapkit/emv';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorizationRequest,
  buildReversalRequest,
  customDataText,
  logFieldsOf,
  originalDataElements,
  readNetworkAnswer,
} from './authorization-messages.ts';
import { defaultTerminalConfig } from './config.ts';
import { dateTimeFields } from './time-fields.ts';

const at = dateTimeFields(Date.UTC(2026, 10, 25, 10, 30, 0));
const identity = { pan: '5413330000001234', expiryYymm: '2912', expiryYymmdd: '291231', psn: '01' };

function request(overrides: Partial<Parameters<typeof buildAuthorizationRequest>[0]> = {}): Iso8583Message {
  return buildAuthorizationRequest({
    config: defaultTerminalConfig,
    identity,
    kind: 'PURCHASE',
    amountMinor: 1_250n,
    stan: '000042',
    rrn: '632910000042',
    utc: at,
    local: at,
    icc: [{ tag: '9F26', value: new Uint8Array(8) }],
    customData: 'order-1',
    ...overrides,
  });
}

describe('the 0100', () => {
  it('encodes with the 1987 codec and decodes to the same fields', () => {
    const message = request();
    const decoded = decodeIso8583(iso8583v1987, encodeIso8583(iso8583v1987, message));
    expect(decoded.ok && decoded.value.fields.get(23)).toBe('001');
    expect(decoded.ok && decoded.value.fields.get(43)).toHaveLength(40);
    expect(decoded.ok && decoded.value.fields.get(48)).toEqual([{ id: '02', value: 'order-1' }]);
  });

  it('a refund keyed in on the panel has DE3 20, DE22 010 and no DE55', () => {
    const refund = request({ kind: 'REFUND', icc: undefined, customData: undefined });
    expect(refund.fields.get(3)).toBe('200000');
    expect(refund.fields.get(22)).toBe('010');
    expect(refund.fields.has(55)).toBe(false);
    expect(refund.fields.has(48)).toBe(false);
  });
});

describe('custom data (9F6E → DE48 subelement 02)', () => {
  it('passes printable ASCII up to 99 characters', () => {
    expect(customDataText(new TextEncoder().encode('order-ref-123'))).toBe('order-ref-123');
    expect(customDataText(new Uint8Array(99).fill(0x41))).toHaveLength(99);
  });

  it('leaves out what a subelement cannot carry', () => {
    expect(customDataText(new Uint8Array(100).fill(0x41))).toBeUndefined();
    expect(customDataText(Uint8Array.of(0x41, 0x0a))).toBeUndefined();
    expect(customDataText(new Uint8Array(0))).toBeUndefined();
    expect(customDataText(undefined)).toBeUndefined();
  });
});

describe('the reversal', () => {
  it('points at the original through DE90 and keeps its RRN', () => {
    const original = request();
    const later = dateTimeFields(Date.UTC(2026, 10, 25, 10, 30, 12));
    const reversal = buildReversalRequest(original, { stan: '000043', utc: later });
    expect(reversal.mti).toBe('0400');
    expect(reversal.fields.get(90)).toBe(`0100000042112510300000000123456${'0'.repeat(11)}`);
    expect(reversal.fields.get(90)).toHaveLength(42);
    expect(originalDataElements(original)).toBe(reversal.fields.get(90));
    expect(reversal.fields.get(37)).toBe('632910000042');
    expect(reversal.fields.get(11)).toBe('000043');
    expect(reversal.fields.get(7)).toBe('1125103012');
    expect(reversal.fields.has(55)).toBe(false);
    expect(() => encodeIso8583(iso8583v1987, reversal)).not.toThrow();
  });
});

describe('reading the answer', () => {
  const sent = request();
  const reply = (mti: string, fields: [number, string][]) => ({
    mti,
    fields: new Map<number, string>(fields),
  });

  it('takes DE39 and DE38 of the matching response', () => {
    expect(
      readNetworkAnswer(
        sent,
        reply('0110', [
          [4, '000000001250'],
          [11, '000042'],
          [38, 'ABC123'],
          [39, '00'],
        ]),
      ),
    ).toEqual({
      responseCode: '00',
      approvalCode: 'ABC123',
    });
  });

  it('refuses another MTI, a missing DE39 or an echo that differs', () => {
    expect(readNetworkAnswer(sent, reply('0410', [[39, '00']]))).toBeUndefined();
    expect(readNetworkAnswer(sent, reply('0110', []))).toBeUndefined();
    expect(
      readNetworkAnswer(
        sent,
        reply('0110', [
          [11, '000041'],
          [39, '00'],
        ]),
      ),
    ).toBeUndefined();
    expect(readNetworkAnswer(sent, reply('0110', [[39, '0']]))).toBeUndefined();
  });

  it('log fields mask the PAN', () => {
    expect(logFieldsOf(sent)).toEqual({
      mti: '0100',
      stan: '000042',
      rrn: '632910000042',
      pan: '541333******1234',
    });
  });
});
