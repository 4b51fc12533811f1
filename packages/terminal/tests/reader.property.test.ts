import { concatBytes } from '@tapkit/emv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InProcessNetworkConnection } from '../src/adapters/in-process-network.ts';
import type { KernelStep } from '../src/domain/outcome.ts';
import { InProcessNfcLink } from '../src/links/in-process.ts';
import { ContactlessReader, type ReaderResult } from '../src/reader/contactless-reader.ts';
import { PosTerminal } from '../src/terminal.ts';
import { countingRandom, testClock, testConfig } from './support/fixtures.ts';
import { answer } from './support/framed-server.ts';
import { ScriptedCard } from './support/scripted-card.ts';

// Whatever the card answers, the reader ends with a result (never an exception, never a terminal
// defect), and a broken answer never reaches the network.

const steps: readonly KernelStep[] = [
  'SELECT_PPSE',
  'SELECT_AID',
  'GET_PROCESSING_OPTIONS',
  'READ_RECORD',
  'GENERATE_AC',
];
const stepArbitrary = fc.constantFrom(...steps);

async function readWith(
  step: KernelStep,
  replace: (normal: Uint8Array) => Uint8Array,
): Promise<ReaderResult> {
  const override = { [step]: (_command: Uint8Array, normal: Uint8Array) => replace(normal) };
  const card = new ScriptedCard({ pdol: '9F66049F0206', override });
  const reader = new ContactlessReader({
    config: testConfig(),
    clock: testClock(),
    random: countingRandom(),
  });
  return reader.read(new InProcessNfcLink(card.processApdu), { type: 'PURCHASE', amountMinor: 500n });
}

function expectNoDefect(result: ReaderResult): void {
  expect(['ONLINE_REQUEST', 'CARD_DECLINED', 'SEE_PHONE', 'FAILED', 'LINK_FAILED']).toContain(result.kind);
  if (result.kind === 'FAILED') expect(result.failure.code).not.toBe('TERMINAL_ERROR');
}

describe('the reader against malformed card answers', () => {
  it('random bytes at any step give a result, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(stepArbitrary, fc.uint8Array({ maxLength: 300 }), async (step, garbage) => {
        const result = await readWith(step, () => garbage);
        expectNoDefect(result);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes followed by 9000 at any step give a result', async () => {
    await fc.assert(
      fc.asyncProperty(stepArbitrary, fc.uint8Array({ maxLength: 258 }), async (step, garbage) => {
        const result = await readWith(step, () => concatBytes(garbage, Uint8Array.of(0x90, 0x00)));
        expectNoDefect(result);
      }),
      { numRuns: 300 },
    );
  });

  it('a truncated TLV answer with 9000 ends the application', async () => {
    await fc.assert(
      fc.asyncProperty(stepArbitrary, fc.double({ min: 0, max: 1, noNaN: true }), async (step, fraction) => {
        const result = await readWith(step, (normal) => {
          const data = normal.subarray(0, normal.length - 2);
          const cut = Math.min(data.length - 1, Math.floor(fraction * data.length));
          return concatBytes(data.subarray(0, cut), Uint8Array.of(0x90, 0x00));
        });
        expect(result.kind).toBe('FAILED');
        expectNoDefect(result);
      }),
      { numRuns: 200 },
    );
  });

  it('any status word other than 9000 ends the application with that status word', async () => {
    const swArbitrary = fc.integer({ min: 0, max: 0xffff }).filter((sw) => sw !== 0x9000);
    await fc.assert(
      fc.asyncProperty(stepArbitrary, swArbitrary, async (step, sw) => {
        const result = await readWith(step, (normal) =>
          concatBytes(normal.subarray(0, normal.length - 2), Uint8Array.of(sw >> 8, sw & 0xff)),
        );
        expect(result).toMatchObject({ kind: 'FAILED', failure: { step, sw } });
      }),
      { numRuns: 200 },
    );
  });

  it('a flipped byte anywhere gives a result, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(stepArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), async (step, at, mask) => {
        const result = await readWith(step, (normal) => {
          const changed = normal.slice();
          const index = at % changed.length;
          changed[index] = (changed[index] ?? 0) ^ mask;
          return changed;
        });
        expectNoDefect(result);
      }),
      { numRuns: 300 },
    );
  });

  it('the whole terminal turns garbage into one of its outcomes, and only an ARQC reaches the network', async () => {
    await fc.assert(
      fc.asyncProperty(stepArbitrary, fc.uint8Array({ maxLength: 80 }), async (step, garbage) => {
        const clock = testClock();
        let networkCalls = 0;
        const connection = new InProcessNetworkConnection(async (request) => {
          networkCalls += 1;
          return answer(request, { 39: '00', 38: 'A1B2C3' });
        }, clock);
        const terminal = new PosTerminal({
          config: testConfig(),
          clock,
          random: countingRandom(),
          connection,
        });
        const card = new ScriptedCard({
          override: { [step]: () => concatBytes(garbage, Uint8Array.of(0x90, 0x00)) },
        });
        const outcome = await terminal.tap(new InProcessNfcLink(card.processApdu), {
          type: 'PURCHASE',
          amountMinor: 500n,
        });
        expect(['APPROVED', 'DECLINED', 'SEE_PHONE', 'TRY_AGAIN', 'END_APPLICATION']).toContain(outcome.kind);
        if (outcome.kind === 'END_APPLICATION') expect(outcome.reason).not.toBe('TERMINAL_ERROR');
        expect(networkCalls).toBe(outcome.kind === 'APPROVED' ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});
