import { getText } from '@tapkit/emv';
import { checkInvariants } from '@tapkit/mpp-server';
import { testEngines } from '@tapkit/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issuerMigrations } from '../src/issuer/adapters/db/migrations.ts';
import type { IssuerDatabase } from '../src/issuer/adapters/db/schema.ts';
import {
  authorizationFields,
  clearingRecord,
  openEngine,
  reversalFields,
  startWorld,
  type World,
} from './support/issuer-world.ts';

// Cross-currency pays over real sockets: a USD authorization against an MPP whose wallets are in HKD. The
// pay carries payToAmount converted with a quote from the issuer's rate table and the quote itself; every
// later pay and refund of the same authorization uses the same rate; the MPP's ledger stays balanced.

const USD = '840';
const JPY = '392';
const SEED_MINOR = 1_000_000n;

let traceCount = 0;
const nextTrace = () => `F${String(++traceCount).padStart(20, '0')}`;

describe.each(testEngines<IssuerDatabase>(issuerMigrations))(
  'issuer cross-currency pays on $name',
  (engine) => {
    let world: World;
    let closeDb: () => Promise<void>;

    beforeEach(async () => {
      const handle = await openEngine(engine);
      closeDb = () => handle.close();
      world = await startWorld(handle, {
        balanceMinor: SEED_MINOR,
        walletCurrency: 'HKD',
        quotes: { rates: [{ base: 'USD', counter: 'HKD', price: '7.8123' }] },
      });
    });

    afterEach(async () => {
      await world.close();
      await closeDb();
    });

    async function authorize(input: Parameters<typeof authorizationFields>[0]) {
      const answer = await world.peer.send('0100', authorizationFields(input));
      return getText(answer, 39);
    }

    async function expectLedgerBalanced() {
      const report = await checkInvariants(world.mppDb.db, world.mppDb.engine);
      expect(report.violations).toEqual([]);
      expect(report.ok).toBe(true);
    }

    it('a USD 0100 pays HKD converted with a quote; a partial reversal refunds at the same rate', async () => {
      const trace = nextTrace();
      expect(await authorize({ trace, amountMinor: 10_000n, currencyNumeric: USD })).toBe('00');
      const pay = world.mppCalls.get('pay')?.[0];
      expect(pay).toMatchObject({
        paymentAmount: { currency: 'USD', value: '10000' },
        payToAmount: { currency: 'HKD', value: '78123' },
        paymentQuote: { quoteCurrencyPair: 'USD/HKD', quotePrice: '7.8123' },
      });
      const quoteId = (pay?.paymentQuote as { quoteId?: unknown } | undefined)?.quoteId;
      expect(typeof quoteId).toBe('string');
      expect(await world.balance()).toBe(SEED_MINOR - 78_123n);
      const auth = await world.issuer.processor.getAuthorization(trace);
      expect(auth).toMatchObject({ currency: 'USD', authorizedMinor: 10_000n, quote: { quoteId } });

      await world.peer.send('0400', reversalFields(trace, 10_000n, 6_000n, USD));
      await world.peer.send('0400', reversalFields(trace, 10_000n, 6_000n, USD));
      await world.settle();
      expect(world.calls('refund')).toBe(1);
      const refund = world.mppCalls.get('refund')?.[0];
      expect(refund).toMatchObject({ refundAmount: { currency: 'USD', value: '4000' } });
      // (tapkit) no refundFromAmount: the MPP converts with the pay's own ratio, 4000 × 78123 / 10000 down.
      expect(refund).not.toHaveProperty('refundFromAmount');
      expect(await world.balance()).toBe(SEED_MINOR - 78_123n + 31_249n);
      expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({ reversedMinor: 4_000n });
      await expectLedgerBalanced();
    });

    it('an incremental and a clearing adjustment reuse the authorization quote', async () => {
      const trace = nextTrace();
      const preAuth = {
        trace,
        amountMinor: 10_000n,
        currencyNumeric: USD,
        type: 'PRE_AUTHORIZATION' as const,
      };
      expect(await authorize(preAuth)).toBe('00');
      const increment = nextTrace();
      const incremental = {
        trace: increment,
        amountMinor: 5_000n,
        currencyNumeric: USD,
        type: 'INCREMENTAL' as const,
        original: trace,
      };
      expect(await authorize(incremental)).toBe('00');
      await world.ingest([clearingRecord({ networkTraceId: trace, amountMinor: 17_000n, currency: 'USD' })]);
      await world.settle();
      const pays = world.mppCalls.get('pay') ?? [];
      expect(pays.map((p) => (p.paymentFactor as { authorizationType: string }).authorizationType)).toEqual([
        'PRE_AUTH',
        'INCREMENTAL',
        'CLEARING_ADJUSTMENT',
      ]);
      // 5000 × 7.8123 = 39061.5 and 2000 × 7.8123 = 15624.6, both rounded half up.
      expect(pays.map((p) => (p.payToAmount as { value: string }).value)).toEqual([
        '78123',
        '39062',
        '15625',
      ]);
      const quoteIds = new Set(pays.map((p) => (p.paymentQuote as { quoteId: string }).quoteId));
      expect(quoteIds.size).toBe(1);
      expect(await world.balance()).toBe(SEED_MINOR - 78_123n - 39_062n - 15_625n);
      await expectLedgerBalanced();
    });

    it('a currency the rate table cannot convert is declined 57 without a pay', async () => {
      expect(await authorize({ trace: nextTrace(), amountMinor: 1_000n, currencyNumeric: JPY })).toBe('57');
      expect(world.calls('pay')).toBe(0);
      expect(await world.balance()).toBe(SEED_MINOR);
    });

    it('a transaction in the wallet currency carries no quote', async () => {
      expect(await authorize({ trace: nextTrace(), amountMinor: 1_000n })).toBe('00');
      const pay = world.mppCalls.get('pay')?.[0];
      expect(pay).toMatchObject({ payToAmount: { currency: 'HKD', value: '1000' } });
      expect(pay).not.toHaveProperty('paymentQuote');
      expect(await world.balance()).toBe(SEED_MINOR - 1_000n);
    });
  },
);
