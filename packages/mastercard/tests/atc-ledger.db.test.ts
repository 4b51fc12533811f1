import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countAtcRows, KyselyAtcLedger } from '../src/network/adapters/atc-ledger-kysely.ts';
import { migrateNetworkSchema } from '../src/network/adapters/migrations.ts';
import { type NetworkTestDb, networkTestEngines } from './support/network-engines.ts';

// The ATC ledger's replay check on every engine: the first use of an ATC is recorded, any later use
// of the same ATC for the same token is a duplicate, also when the two arrive at the same time.

for (const engine of networkTestEngines()) {
  describe(`KyselyAtcLedger on ${engine.name}`, () => {
    let handle: NetworkTestDb;
    let ledger: KyselyAtcLedger;

    beforeEach(async () => {
      handle = await engine.open();
      ledger = new KyselyAtcLedger(handle.db);
    });

    afterEach(async () => {
      await handle.close();
    });

    it('records an ATC once per token and calls the second use a duplicate', async () => {
      expect(await ledger.record({ tokenUniqueReference: 'A', atc: 7, seenAtMs: 1 })).toBe('RECORDED');
      expect(await ledger.record({ tokenUniqueReference: 'A', atc: 7, seenAtMs: 2 })).toBe('DUPLICATE');
      expect(await ledger.record({ tokenUniqueReference: 'B', atc: 7, seenAtMs: 3 })).toBe('RECORDED');
      expect(await ledger.list('A', 10)).toEqual([7]);
      expect(await countAtcRows(handle.db)).toBe(2);
    });

    it('lets exactly one of many concurrent uses of one ATC through', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ledger.record({ tokenUniqueReference: 'C', atc: 65_535, seenAtMs: i }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'RECORDED')).toHaveLength(1);
    });

    it('agrees with a model set on any sequence of uses', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom('T1', 'T2', 'T3'), fc.integer({ min: 0, max: 20 })), {
            maxLength: 40,
          }),
          async (uses) => {
            const prefix = `run-${Math.random().toString(36).slice(2)}-`;
            const model = new Set<string>();
            for (const [token, atc] of uses) {
              const expected = model.has(`${token}|${atc}`) ? 'DUPLICATE' : 'RECORDED';
              model.add(`${token}|${atc}`);
              expect(await ledger.record({ tokenUniqueReference: prefix + token, atc, seenAtMs: 0 })).toBe(
                expected,
              );
            }
          },
        ),
        { numRuns: 15 },
      );
    });

    it('refuses an ATC outside 0..65535 (a bug in the caller)', async () => {
      await expect(ledger.record({ tokenUniqueReference: 'A', atc: 65_536, seenAtMs: 0 })).rejects.toThrow(
        RangeError,
      );
    });

    it('migrates idempotently', async () => {
      await migrateNetworkSchema(handle.db);
      expect(await ledger.record({ tokenUniqueReference: 'A', atc: 1, seenAtMs: 0 })).toBe('RECORDED');
    });
  });
}
