import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredCredential } from '../storage/records.ts';
import { credentialsRemaining, emptyWallet, mergeBatch, spendNext } from './wallet.ts';

const key = '00112233445566778899AABBCCDDEEFF';
const batch = (atcs: number[]): StoredCredential[] => atcs.map((atc) => ({ atc, sessionKey: key }));

describe('credential wallet', () => {
  it('spends the lowest ATC and records it for the next REPLENISH', () => {
    const wallet = mergeBatch(emptyWallet('T'), batch([3, 1, 2]), []);
    const first = spendNext(wallet);
    expect(first?.credential.atc).toBe(1);
    expect(first?.next.usedAtcs).toEqual([1]);
    expect(credentialsRemaining(first?.next)).toBe(2);
    expect(spendNext(emptyWallet('T'))).toBeUndefined();
  });

  it('never takes back an ATC at or below the high-water mark, and forgets reported ATCs', () => {
    let wallet = mergeBatch(emptyWallet('T'), batch([1, 2, 3]), []);
    wallet = spendNext(wallet)?.next ?? wallet;
    wallet = spendNext(wallet)?.next ?? wallet;
    const merged = mergeBatch(wallet, batch([1, 2, 4, 5]), [1]);
    expect(merged.credentials.map((c) => c.atc)).toEqual([3, 4, 5]);
    expect(merged.usedAtcs).toEqual([2]);
  });

  it('spends strictly increasing ATCs whatever batches arrive in between (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('spend' as const),
            fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 20 }),
          ),
        ),
        (operations) => {
          let wallet = emptyWallet('T');
          let last = 0;
          for (const operation of operations) {
            if (operation === 'spend') {
              const taken = spendNext(wallet);
              if (taken === undefined) continue;
              expect(taken.credential.atc).toBeGreaterThan(last);
              last = taken.credential.atc;
              wallet = taken.next;
            } else {
              wallet = mergeBatch(wallet, batch(operation), []);
            }
          }
        },
      ),
    );
  });
});
