import { describe, expect, it } from 'vitest';
import { displayOf, panelResultDisplay } from './display.ts';

// The POS display in words first, the code second: a locked card, a decline for funds, network trouble,
// no phone in reach; and the merchant panel's results.

describe('POS display', () => {
  it('says a locked card refused, with the status word small', () => {
    const d = displayOf({
      kind: 'END_APPLICATION',
      reason: 'STATUS_WORD',
      step: 'GET_PROCESSING_OPTIONS',
      detail: 'the card answered an error status',
      sw: 0x6985,
    });
    expect(d.headline).toBe('CARD REFUSED');
    expect(d.detail).toMatch(/may be locked/);
    expect(d.code).toBe('STATUS_WORD at GET_PROCESSING_OPTIONS SW 6985');
  });

  it('gives the reason of a decline in words and DE39 as the code', () => {
    const d = displayOf({ kind: 'DECLINED', reason: { source: 'NETWORK', responseCode: '51' } });
    expect(d).toMatchObject({ headline: 'DECLINED', code: 'DE39 51', tone: 'bad' });
    expect(d.detail).toBe('Declined: not enough funds. Ask for another way to pay.');
  });

  it('tells network trouble from a phone out of reach', () => {
    expect(displayOf({ kind: 'TRY_AGAIN', reason: 'NETWORK_TIMEOUT', reversalOwed: true }).detail).toMatch(
      /Network trouble: nothing was charged/,
    );
    expect(displayOf({ kind: 'TRY_AGAIN', reason: 'CARD_TIMEOUT', reversalOwed: false }).detail).toMatch(
      /Open the wallet page/,
    );
  });

  it('asks for verification on the phone', () => {
    expect(displayOf({ kind: 'SEE_PHONE' }).detail).toMatch(/^Verification needed/);
  });

  it('words the panel results', () => {
    const summary = {
      rrn: '433800000009',
      stan: '000009',
      amountMinor: 100n,
      currencyCode: '344',
      maskedPan: '541333******0019',
      kind: 'REFUND' as const,
      status: 'APPROVED' as const,
      responseCode: '00',
      refundedMinor: 0n,
      atMs: 0,
    };
    expect(panelResultDisplay('Refund', { ok: true, value: summary })).toMatchObject({
      headline: 'Refund approved',
      detail: 'RRN 433800000009',
    });
    expect(panelResultDisplay('Refund', { ok: false, error: { code: 'AMOUNT_INVALID' } })).toMatchObject({
      headline: 'Refund refused',
      code: 'AMOUNT_INVALID',
    });
    expect(
      panelResultDisplay('Void', { ok: false, error: { code: 'DECLINED', responseCode: '12' } }),
    ).toMatchObject({
      headline: 'Void declined',
      detail: 'this kind of payment is not allowed',
      code: 'DE39 12',
    });
  });
});
