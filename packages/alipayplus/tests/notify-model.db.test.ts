// The receiver's idempotency against a model: for any sequence of notifies about one payment (the right
// one, one with another amount, a later F ORDER_IS_CLOSED, an F with another reason), the answers and the
// number of cancels are the model's.
import { type NotifyPaymentRequest, VirtualClock } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import { createKyselyNotifyStore, type NotifyDatabase } from '../src/notify/db.ts';
import type { KnownPaymentStatus } from '../src/notify/ports.ts';
import { NotifyReceiver } from '../src/notify/receiver.ts';
import { MemoryKnowledge } from './support/ant-world.ts';

type Variant = 'S' | 'S_OTHER_AMOUNT' | 'F_CLOSED' | 'F_RISK';
const hkd = (value: string) => ({ currency: 'HKD', value });

function notifyOf(paymentRequestId: string, variant: Variant): NotifyPaymentRequest {
  const success = { resultCode: 'SUCCESS', resultStatus: 'S' as const, resultMessage: 'ok' };
  const base = {
    paymentRequestId,
    paymentId: 'P1',
    paymentAmount: hkd('1000'),
    payToAmount: hkd('1000'),
    customerId: 'c1',
  };
  switch (variant) {
    case 'S':
      return { ...base, paymentResult: success };
    case 'S_OTHER_AMOUNT':
      return { ...base, paymentResult: success, paymentAmount: hkd('999'), payToAmount: hkd('999') };
    case 'F_CLOSED':
      return {
        ...base,
        paymentResult: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F', resultMessage: 'closed' },
      };
    case 'F_RISK':
      return {
        ...base,
        paymentResult: { resultCode: 'RISK_REJECT', resultStatus: 'F', resultMessage: 'risk' },
      };
  }
}

/** What the receiver must answer, and the stored variant after it. */
function model(stored: Variant | undefined, next: Variant): { answer: string; stored: Variant | undefined } {
  if (next === 'S_OTHER_AMOUNT') {
    return stored === undefined
      ? { answer: 'PARAM_ILLEGAL', stored }
      : { answer: 'REPEAT_REQ_INCONSISTENT', stored };
  }
  if (stored === undefined || stored === next) return { answer: 'SUCCESS', stored: next };
  if (stored === 'S' && next === 'F_CLOSED') return { answer: 'SUCCESS', stored: next };
  return { answer: 'REPEAT_REQ_INCONSISTENT', stored };
}

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`notify receiver against its model (${engine.name})`, () => {
    let handle: DbHandle<AntServerDatabase> | undefined;
    beforeAll(async () => {
      handle = await engine.open();
    });
    afterAll(async () => {
      await handle?.close();
    });

    it('answers and cancels as the model says', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<KnownPaymentStatus>('SUCCESS', 'FAILED', 'CANCELLED', 'UNKNOWN'),
          fc.array(fc.constantFrom<Variant>('S', 'S_OTHER_AMOUNT', 'F_CLOSED', 'F_RISK'), {
            minLength: 1,
            maxLength: 6,
          }),
          async (status, variants) => {
            run += 1;
            const paymentRequestId = `PR-model-${run}`;
            const knowledge = new MemoryKnowledge();
            knowledge.put({
              mppClientId: 'MPP',
              paymentRequestId,
              customerId: 'c1',
              paymentAmount: hkd('1000'),
              payToAmount: hkd('1000'),
              status,
            });
            let cancels = 0;
            const receiver = new NotifyReceiver({
              store: createKyselyNotifyStore(handle?.db as unknown as Kysely<NotifyDatabase>),
              knowledge,
              canceller: {
                cancelPayment: async () => {
                  cancels += 1;
                  return { kind: 'cancelled' };
                },
              },
              clock: new VirtualClock(0),
            });
            let stored: Variant | undefined;
            let expectedCancels = 0;
            for (const variant of variants) {
              const expected = model(stored, variant);
              const answer = await receiver.receive('MPP', notifyOf(paymentRequestId, variant));
              expect(answer.result.resultCode).toBe(expected.answer);
              // A cancel follows the first stored S for a payment Alipay+ closed, and nothing else.
              if (
                stored === undefined &&
                expected.stored === 'S' &&
                (status === 'FAILED' || status === 'CANCELLED')
              ) {
                expectedCancels += 1;
              }
              stored = expected.stored;
            }
            await receiver.drain();
            expect(cancels).toBe(expectedCancels);
          },
        ),
        { numRuns: engine.name === 'sqlite' ? 200 : 40 },
      );
    });
  });
}
