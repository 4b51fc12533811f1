import { SdkError } from '@tapkit/sdk';
import { describe, expect, it } from 'vitest';
import { paymentView } from '../test-support/fixtures.ts';
import { paymentNote, replenishNote } from '../wallet/use-card.ts';
import { errorWords, paymentReason, phaseWords, tapFailureWords } from './words.ts';

// The wallet's words: a locked card, a decline for funds with the reason, network trouble, the
// activation phases, the automatic top-up; the code always second.

describe('wallet words', () => {
  it('says a locked card refused the tap, the SDK result as the code', () => {
    const words = tapFailureWords({ result: 'TOKEN_UNAVAILABLE', error: SdkError.of('TOKEN_UNAVAILABLE') });
    expect(words.text).toBe('Your card is locked, so the payment was refused. Unlock it to pay.');
    expect(words.code).toBe('10008 TOKEN_UNAVAILABLE');
  });

  it('gives the reason of a decline for funds', () => {
    expect(
      tapFailureWords({ result: 'NETWORK_DECLINED', de39: '51', declineReason: 'USER_BALANCE_NOT_ENOUGH' }),
    ).toEqual({
      text: 'Declined: not enough money in your wallet',
      code: 'USER_BALANCE_NOT_ENOUGH',
    });
    expect(tapFailureWords({ result: 'NETWORK_DECLINED', de39: '51' })).toEqual({
      text: 'Declined: not enough funds',
      code: 'DE39 51',
    });
    const note = paymentNote(paymentView({ status: 'FAILED', resultCode: 'USER_BALANCE_NOT_ENOUGH' }));
    expect(note).toEqual({
      text: 'Not paid HKD 12.34: not enough money in your wallet',
      code: 'USER_BALANCE_NOT_ENOUGH',
      tone: 'bad',
    });
    expect(paymentNote(paymentView())).toEqual({ text: 'Paid HKD 12.34', tone: 'ok' });
  });

  it('words network trouble and unknown failures', () => {
    expect(errorWords(SdkError.of('NETWORK_EXCEPTION')).text).toMatch(/could not reach the payment service/);
    expect(errorWords(new Error('boom'))).toEqual({ text: 'Something went wrong. Try again.', code: 'boom' });
  });

  it('has a reason for a cancelled or failed payment, none for a paid one', () => {
    expect(paymentReason('SUCCESS', 'SUCCESS')).toBeUndefined();
    expect(paymentReason('CANCELLED', null)?.text).toBe('Cancelled by the shop');
    expect(paymentReason('FAILED', 'SOMETHING_NEW')).toEqual({ text: 'Not paid', code: 'SOMETHING_NEW' });
  });

  it('names every activation phase for people', () => {
    for (const phase of [
      'REGISTER_DEVICE',
      'APPLY_TOKEN',
      'WAIT_APPROVAL',
      'PROVISION',
      'STORE',
      'NOTIFY_RESULT',
    ])
      expect(phaseWords(phase)).not.toMatch(/_/);
    expect(phaseWords('WAIT_APPROVAL')).toBe('Waiting for your bank to approve');
  });

  it('says when the card topped up its payment keys by itself', () => {
    expect(replenishNote({ countCredential: 10, trigger: 'AUTO', result: 'SUCCESS', received: 8 })).toEqual({
      text: 'Topped up automatically: 8 new payment keys, 10 ready to pay.',
      tone: 'ok',
    });
    expect(
      replenishNote({ countCredential: 2, trigger: 'MANUAL', result: 'FAILURE', errorCode: 10005 }),
    ).toMatchObject({
      code: '10005',
      tone: 'bad',
    });
  });
});
