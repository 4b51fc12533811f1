import {
  encodeCommandApdu,
  generateAc,
  getProcessingOptions,
  hexToBytes,
  readRecord,
  selectByName,
} from '@tapkit/emv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testProfile } from '../../tests/support/card-fixture.ts';
import { buildCardStatics } from './profile.ts';
import { type CardSessionState, initialCardSession, stepCard } from './session.ts';

const card = buildCardStatics(testProfile());
const ppse = encodeCommandApdu(selectByName(new TextEncoder().encode('2PAY.SYS.DDF01')));
const aid = encodeCommandApdu(selectByName(hexToBytes('A0000000041010')));
const gpo = encodeCommandApdu(getProcessingOptions(hexToBytes('084022')));
const record = encodeCommandApdu(readRecord(1, 1));
const genAc = encodeCommandApdu(generateAc(0x80, new Uint8Array(45)));

function run(commands: Uint8Array[]): { state: CardSessionState; sws: (number | string)[] } {
  let state = initialCardSession;
  const sws: (number | string)[] = [];
  for (const command of commands) {
    const step = stepCard(state, command, card);
    state = step.next;
    sws.push(step.kind === 'respond' ? step.sw : step.kind);
  }
  return { state, sws };
}

describe('card session state machine', () => {
  it('answers the Kernel 2 dialogue in order', () => {
    expect(run([ppse, aid, gpo, record, genAc]).sws).toEqual([0x9000, 0x9000, 'gpo', 0x9000, 'generateAc']);
  });

  it('answers out-of-order commands with 6985', () => {
    expect(run([gpo]).sws).toEqual([0x6985]);
    expect(run([record]).sws).toEqual([0x6985]);
    expect(run([genAc]).sws).toEqual([0x6985]);
    expect(run([ppse, aid, genAc]).sws).toEqual([0x9000, 0x9000, 0x6985]);
    expect(run([ppse, aid, gpo, genAc, genAc]).sws).toEqual([0x9000, 0x9000, 'gpo', 'generateAc', 0x6985]);
  });

  it('answers malformed commands with the right status word', () => {
    const cases: [string, number][] = [
      ['00A4', 0x6700],
      ['00A4040007A000000004101000FF', 0x6700],
      ['90A4040000', 0x6e00],
      ['80A4040007A000000004101000', 0x6e00],
      ['0001000000', 0x6d00],
      ['00A4040107A000000004101000', 0x6a86],
      ['00A4040007A000000004999900', 0x6a82],
    ];
    for (const [hex, sw] of cases) expect(run([hexToBytes(hex)]).sws, hex).toEqual([sw]);
    expect(run([ppse, aid, hexToBytes('80A8000002830000')]).sws[2]).toBe(0x6700);
    expect(run([ppse, aid, hexToBytes('80A8010005830308402200')]).sws[2]).toBe(0x6a86);
    expect(run([ppse, aid, gpo, hexToBytes('00B2020C00')]).sws[3]).toBe(0x6a83);
    expect(run([ppse, aid, gpo, hexToBytes('00B2011400')]).sws[3]).toBe(0x6a82);
    expect(run([ppse, aid, gpo, hexToBytes('00B2010800')]).sws[3]).toBe(0x6a86);
    expect(run([ppse, aid, gpo, encodeCommandApdu(generateAc(0x80, new Uint8Array(44)))]).sws[3]).toBe(
      0x6700,
    );
    expect(run([ppse, aid, gpo, encodeCommandApdu(generateAc(0x90, new Uint8Array(45)))]).sws[3]).toBe(
      0x6a86,
    );
  });

  it('without a token only answers 6A82 to selection', () => {
    expect(stepCard(initialCardSession, ppse, undefined)).toMatchObject({ kind: 'respond', sw: 0x6a82 });
    expect(stepCard(initialCardSession, aid, undefined)).toMatchObject({ kind: 'respond', sw: 0x6a82 });
  });

  it('never throws and never reaches GENERATE AC outside the INITIATED phase (random APDUs)', () => {
    const known = fc.constantFrom(ppse, aid, gpo, record, genAc);
    const mutated = fc
      .tuple(known, fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([bytes, index, value]) => {
        const copy = bytes.slice();
        copy[index % copy.length] = value;
        return copy;
      });
    const random = fc.uint8Array({ minLength: 0, maxLength: 300 });
    fc.assert(
      fc.property(fc.array(fc.oneof(known, mutated, random), { maxLength: 30 }), (commands) => {
        let state = initialCardSession;
        for (const command of commands) {
          const before = state.phase;
          const step = stepCard(state, command, card);
          if (step.kind === 'generateAc') expect(before).toBe('INITIATED');
          if (step.kind === 'respond') expect(step.sw).toBeGreaterThanOrEqual(0x6000);
          state = step.next;
        }
      }),
      { numRuns: 500 },
    );
  });
});
