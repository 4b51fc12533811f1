import { bytesToHex, encodeCommandApdu, hexToBytes } from '@tapkit/emv';
import { describe, expect, it } from 'vitest';
import { defaultTerminalConfig } from './config.ts';
import { type KernelTransition, startKernel, stepKernel } from './kernel.ts';

// The state machine alone: no link, no clock. Answers are those of docs/protocol/emv.md#the-apdu-dialogue.

const start = () =>
  startKernel({
    config: defaultTerminalConfig,
    transaction: { type: 'PURCHASE', amountMinor: 9_999n },
    unpredictableNumber: hexToBytes('ABCDEF12'),
    atMs: Date.UTC(2026, 5, 1),
  });

function command(transition: KernelTransition): string {
  if (transition.kind !== 'SEND') throw new Error(`expected a command, got ${JSON.stringify(transition)}`);
  return bytesToHex(encodeCommandApdu(transition.command));
}

function step(transition: KernelTransition, answerHex: string): KernelTransition {
  if (transition.kind !== 'SEND') throw new Error('dialogue already done');
  return stepKernel(transition.state, hexToBytes(answerHex));
}

describe('the kernel state machine', () => {
  it('sends the spec commands in order and asks for an ARQC with CDOL1 data', () => {
    const ppse = start();
    expect(command(ppse)).toBe('00A404000E325041592E5359532E444446303100');
    const aid = step(
      ppse,
      '6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000041010870101' + '9000',
    );
    expect(command(aid)).toBe('00A4040007A000000004101000');
    const gpo = step(aid, '6F0B8407A0000000041010A500' + '9000');
    expect(command(gpo)).toBe('80A8000002830000');
    const record = step(gpo, '770A820219809404080101009000');
    expect(command(record)).toBe('00B2010C00');
    const generateAc = step(
      record,
      '70215A0854133300000012345F24032912315F3401008C0B9F02069F1A029F37049505' + '9000',
    );
    // 8C asks 9F02 6, 9F1A 2, 9F37 4, 95 5: data = amount ‖ country ‖ UN ‖ TVR.
    expect(command(generateAc)).toBe('80AE800011000000009999' + '0124' + 'ABCDEF12' + '8000000000' + '00');
    const result = step(
      generateAc,
      '77299F2701809F3602001C9F2608CD29615D6452E70E9F10120114A00003220000000000000000000000009000',
    );
    expect(result).toMatchObject({ kind: 'DONE', result: { kind: 'ONLINE_REQUEST' } });
  });

  it('a SELECT PPSE answer of 6A82 ends with PPSE_NOT_FOUND', () => {
    expect(step(start(), '6A82')).toEqual({
      kind: 'DONE',
      result: {
        kind: 'FAILED',
        failure: {
          code: 'PPSE_NOT_FOUND',
          step: 'SELECT_PPSE',
          detail: 'SELECT PPSE answered 6A82',
          sw: 0x6a82,
        },
      },
    });
  });
});
