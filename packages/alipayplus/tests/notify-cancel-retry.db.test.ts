// The contradiction cancel's retry schedule on a virtual clock, and its resumption after a restart.
import { VirtualClock } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import { createKyselyNotifyStore, type NotifyDatabase } from '../src/notify/db.ts';
import type { CancelOutcome, MppCanceller } from '../src/notify/ports.ts';
import { CANCEL_RETRY_DELAYS_MS, NotifyReceiver } from '../src/notify/receiver.ts';
import { MemoryKnowledge } from './support/ant-world.ts';

const hkd = (value: string) => ({ currency: 'HKD', value });
const notify = {
  paymentRequestId: 'PR-RETRY',
  paymentId: 'P1',
  paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S' as const, resultMessage: 'ok' },
  paymentAmount: hkd('1000'),
  payToAmount: hkd('1000'),
  customerId: 'c1',
};

/** A canceller whose answers the test scripts (the MPP side is covered by notify-receiver.db.test.ts). */
class ScriptedCanceller implements MppCanceller {
  readonly callsAtMs: number[] = [];
  constructor(
    private readonly clock: VirtualClock,
    private readonly script: CancelOutcome[],
  ) {}
  async cancelPayment(): Promise<CancelOutcome> {
    this.callsAtMs.push(this.clock.nowMs());
    return this.script.shift() ?? { kind: 'unknown', detail: 'no answer' };
  }
}

/**
 * Fires the receiver's retry timers one by one until its cancels are done. Between timers the storage
 * (PostgreSQL: real I/O) must finish before the next timer is armed, hence the short real waits.
 */
async function runSchedule(notifyReceiver: NotifyReceiver, clock: VirtualClock): Promise<void> {
  let done = false;
  const drained = notifyReceiver.drain().then(() => {
    done = true;
  });
  for (let round = 0; round < 200 && !done; round++) {
    const dueMs = clock.nextTimerDueMs();
    if (dueMs === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    else await clock.advanceMs(Math.max(0, dueMs - clock.nowMs()));
  }
  await drained;
}

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`contradiction cancel retries (${engine.name})`, () => {
    let handle: DbHandle<AntServerDatabase> | undefined;
    let clock: VirtualClock;
    let knowledge: MemoryKnowledge;

    beforeEach(async () => {
      handle = await engine.open();
      clock = new VirtualClock(Date.parse('2026-11-25T04:00:00Z'));
      knowledge = new MemoryKnowledge();
      knowledge.put({ mppClientId: 'MPP', ...notify, status: 'FAILED' });
    });
    afterEach(async () => {
      await handle?.close();
    });

    const receiver = (canceller: MppCanceller) =>
      new NotifyReceiver({
        store: createKyselyNotifyStore(handle?.db as unknown as Kysely<NotifyDatabase>),
        knowledge,
        canceller,
        clock,
      });

    it('retries an unknown cancel on the schedule until the MPP confirms', async () => {
      const canceller = new ScriptedCanceller(clock, [
        { kind: 'unknown', detail: 'TIMEOUT' },
        { kind: 'unknown', detail: 'TIMEOUT' },
        { kind: 'cancelled' },
      ]);
      const startMs = clock.nowMs();
      const notifyReceiver = receiver(canceller);
      expect((await notifyReceiver.receive('MPP', notify)).result.resultStatus).toBe('S');
      await runSchedule(notifyReceiver, clock);
      expect(canceller.callsAtMs.map((ms) => ms - startMs)).toEqual(CANCEL_RETRY_DELAYS_MS.slice(0, 3));
      const stored = await createKyselyNotifyStore(handle?.db as unknown as Kysely<NotifyDatabase>).find(
        'MPP',
        'PR-RETRY',
      );
      expect(stored).toMatchObject({ cancelState: 'DONE', cancelAttempts: 3 });
    });

    it('stops at a refusal and leaves a pending cancel to the next start', async () => {
      const refusing = new ScriptedCanceller(clock, [
        { kind: 'refused', resultCode: 'CANCEL_WINDOW_EXCEEDED' },
      ]);
      const first = receiver(refusing);
      await first.receive('MPP', notify);
      await runSchedule(first, clock);
      const store = createKyselyNotifyStore(handle?.db as unknown as Kysely<NotifyDatabase>);
      expect(await store.find('MPP', 'PR-RETRY')).toMatchObject({
        cancelState: 'REFUSED',
        cancelDetail: 'CANCEL_WINDOW_EXCEEDED',
      });

      // A process that stopped mid-schedule: the row is PENDING with one attempt done.
      await store.updateCancel(
        { mppClientId: 'MPP', paymentRequestId: 'PR-RETRY' },
        {
          cancelState: 'PENDING',
          cancelAttempts: 1,
          cancelDetail: 'TIMEOUT',
          updatedAtMs: clock.nowMs(),
        },
      );
      const restarted = new ScriptedCanceller(clock, [{ kind: 'cancelled' }]);
      const second = receiver(restarted);
      expect(await second.resumePending()).toBe(1);
      await runSchedule(second, clock);
      expect(restarted.callsAtMs.length).toBe(1);
      expect(await store.find('MPP', 'PR-RETRY')).toMatchObject({ cancelState: 'DONE', cancelAttempts: 2 });
    });
  });
}
