// The SDK as a card: whole Kernel 2 dialogues through processApdu on a seeded token, cryptograms checked
// from the issuer side with emv's verifyArqc, the two-tap CDCVM flow, refusals and crash windows.
import { bytesToHex, decodeTlvOrThrow, findTlvValue } from '@tapkit/emv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SdkError } from '../src/errors.ts';
import type {
  RiskControlInfo,
  TransactionCompleteContext,
  TransactionFailure,
  TransactionInfo,
  TransactionListener,
} from '../src/ports.ts';
import { apdus, dataOf, seededSdk, swOf, TOKEN_PAN, tap } from './support/card-fixture.ts';
import { generateAcTemplate, verifyFromIssuer } from './support/issuer-check.ts';

describe('the SDK as a card', () => {
  it('answers a whole tap with an ARQC the issuer verifies, spending ATC 1', async () => {
    const { sdk } = await seededSdk();
    sdk.setCustomData('order-ref-123');
    const responses = await tap(sdk, { amountMinor: 1234n });
    expect(responses.map(swOf)).toEqual([0x9000, 0x9000, 0x9000, 0x9000, 0x9000]);
    const last = responses[4];
    if (last === undefined) throw new Error('no GENERATE AC answer');
    const { verification, iad, children } = verifyFromIssuer(last, 1234n);
    expect(verification.valid).toBe(true);
    expect(bytesToHex(findTlvValue(children, '9F27') ?? new Uint8Array())).toBe('80');
    expect(bytesToHex(findTlvValue(children, '9F36') ?? new Uint8Array())).toBe('0001');
    expect(iad.kdi).toBe(0x01);
    expect(iad.cvn).toBe(0x14);
    expect(iad.cvr[0]).toBe(0x80);
    expect(new TextDecoder().decode(findTlvValue(children, '9F6E'))).toBe('order-ref-123');
    expect(findTlvValue(children, 'DF4B')).toBeUndefined();
    expect(sdk.credentialsRemaining()).toBe(4);
  });

  it('answers the static records of the profile', async () => {
    const { sdk } = await seededSdk();
    const [ppse, aid, gpo, record] = await tap(sdk, { amountMinor: 100n });
    expect(bytesToHex(dataOf(ppse ?? new Uint8Array()))).toContain('4F07A0000000041010');
    expect(bytesToHex(dataOf(aid ?? new Uint8Array()))).toContain('500A4D415354455243415244');
    expect(bytesToHex(dataOf(gpo ?? new Uint8Array()))).toBe('770A82021882940408010100');
    const nodes = decodeTlvOrThrow(dataOf(record ?? new Uint8Array()));
    expect(bytesToHex(findTlvValue(nodes, '5A') ?? new Uint8Array())).toBe(TOKEN_PAN);
    expect(bytesToHex(findTlvValue(nodes, '8C') ?? new Uint8Array())).toBe(
      '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F34039F1502',
    );
  });

  it('runs the two-tap CDCVM flow above the no-CVM limit', async () => {
    const events: string[] = [];
    const listener: TransactionListener = {
      onTransactionAuth: () => events.push('auth'),
      onTransactionFailed: (failure) => events.push(`failed ${failure.result} ${failure.error?.code}`),
      onTransactionComplete: (result) =>
        events.push(`complete ${result.cryptogram} cvm=${result.onDeviceCvm}`),
    };
    const { sdk, clock } = await seededSdk({ sdk: { transactionListener: listener } });
    const first = (await tap(sdk, { amountMinor: 20_000n }))[4];
    if (first === undefined) throw new Error('no answer');
    const firstChildren = generateAcTemplate(first);
    expect(bytesToHex(findTlvValue(firstChildren, '9F27') ?? new Uint8Array())).toBe('00');
    expect(bytesToHex(findTlvValue(firstChildren, 'DF4B') ?? new Uint8Array())).toBe('000600');
    expect(events).toEqual(['auth', 'failed CDCVM_REQUIRED 10003']);
    sdk.notifyUserAuthenticated();
    await clock.advanceMs(10_000);
    const second = (await tap(sdk, { amountMinor: 20_000n }))[4];
    if (second === undefined) throw new Error('no answer');
    const { verification, iad } = verifyFromIssuer(second, 20_000n);
    expect(verification.valid).toBe(true);
    expect(iad.cvr[0]).toBe(0x85);
    expect(events.at(-1)).toBe('complete ARQC cvm=true');
    // Both taps spent a credential: ATC 1 for the AAC, ATC 2 for the ARQC.
    expect(sdk.credentialsRemaining()).toBe(3);
    // 30 s after the authentication the next tap above the limit needs it again.
    await clock.advanceMs(25_000);
    const third = (await tap(sdk, { amountMinor: 20_000n }))[4];
    expect(
      bytesToHex(findTlvValue(generateAcTemplate(third ?? new Uint8Array()), '9F27') ?? new Uint8Array()),
    ).toBe('00');
  });

  it('follows the TransactionPermit: a decline gives an AAC, reported as that permit result with no code', async () => {
    const failures: TransactionFailure[] = [];
    const { sdk } = await seededSdk({
      sdk: {
        transactionPermit: { isAllowed: async () => 'APP_CUSTOM_DECLINE_2' },
        transactionListener: { onTransactionFailed: (failure) => failures.push(failure) },
      },
    });
    const answer = (await tap(sdk, { amountMinor: 100n }))[4];
    expect(
      bytesToHex(findTlvValue(generateAcTemplate(answer ?? new Uint8Array()), '9F27') ?? new Uint8Array()),
    ).toBe('00');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ result: 'APP_CUSTOM_DECLINE_2', atc: 1 });
    // docs/protocol/sdk.md#result-codes: a declined tap is never 10002 (DEVICE_UNSAFE) nor a code above 10011.
    expect(failures[0]?.error).toBeUndefined();
    expect(sdk.credentialsRemaining()).toBe(4);
  });

  it('reports a permit answer outside the SPI as DECLINE', async () => {
    const failures: string[] = [];
    const { sdk } = await seededSdk({
      sdk: {
        transactionPermit: { isAllowed: async () => 'MAYBE' as never },
        transactionListener: { onTransactionFailed: (failure) => failures.push(failure.result) },
      },
    });
    await tap(sdk, { amountMinor: 100n });
    expect(failures).toEqual(['DECLINE']);
  });

  it('gives the permit the documented TransactionInfo and RiskControlInfo', async () => {
    const asked: { authBefore: boolean; info: TransactionInfo; risk: RiskControlInfo }[] = [];
    const { sdk } = await seededSdk({
      sdk: {
        transactionPermit: {
          isAllowed: async (authBefore, info, risk) => {
            asked.push({ authBefore, info, risk });
            return 'PROCEED';
          },
        },
      },
    });
    await sdk.init({ isSupportLockScreenPay: true });
    await tap(sdk, { amountMinor: 1234n, currency: '0344' });
    await tap(sdk, { amountMinor: 20_000n });
    await tap(sdk, { amountMinor: 0n, merchantCategoryCode: '4111' });
    expect(
      asked.map(({ info }) => [info.currencyCode, info.authorizedAmountMinor, info.transactionRange]),
    ).toEqual([
      ['344', 1234n, 'LOW_VALUE'],
      ['840', 20_000n, 'HIGH_VALUE'],
      ['840', 0n, 'UNKNOWN'],
    ]);
    expect(asked.map(({ info }) => info.richTransactionType)).toEqual(['PURCHASE', 'PURCHASE', 'TRANSIT']);
    expect(asked.map(({ risk }) => risk.riskControlDecision)).toEqual(['PROCEED', 'NEED_AUTH', 'PROCEED']);
    expect(asked.every(({ risk }) => risk.isSupportLockScreenPay)).toBe(true);
    expect(asked[0]?.risk).toMatchObject({ credentialsRemaining: 5, aboveNoCvmLimit: false });
  });

  it('gives onTransactionComplete the doc context: mcc, currencyCode, amount, range and rich type from 9C', async () => {
    const completed: TransactionCompleteContext[] = [];
    const { sdk } = await seededSdk({
      atcs: [1, 2, 3, 4, 5, 6],
      sdk: { transactionListener: { onTransactionComplete: (context) => completed.push(context) } },
    });
    sdk.notifyUserAuthenticated();
    await tap(sdk, { amountMinor: 1234n });
    await tap(sdk, { amountMinor: 20_000n });
    await tap(sdk, { amountMinor: 500n, transactionType: '20' });
    await tap(sdk, { amountMinor: 500n, transactionType: '01' });
    await tap(sdk, { amountMinor: 500n, transactionType: '09' });
    await tap(sdk, { amountMinor: 500n, merchantCategoryCode: '4131' });
    expect(completed[0]).toMatchObject({
      mcc: '5411',
      currencyCode: '840',
      amount: 1234n,
      transactionRange: 'LVT',
      richTransactionType: 'PURCHASE',
      atc: 1,
      cryptogram: 'ARQC',
    });
    expect(completed[1]?.transactionRange).toBe('HVT');
    expect(completed.map((context) => context.richTransactionType)).toEqual([
      'PURCHASE',
      'PURCHASE',
      'REFUND',
      'CASH',
      'PURCHASE_WITH_CASHBACK',
      'TRANSIT',
    ]);
    expect(completed[5]?.mcc).toBe('4131');
  });

  it('lets a transit tap above the limit through only when transit is supported (init) and without consent', async () => {
    const cryptograms = async (init: { isSupportTransit?: boolean }, config = {}) => {
      const { sdk } = await seededSdk({ sdk: { config } });
      await sdk.init(init);
      const answer = (await tap(sdk, { amountMinor: 20_000n, merchantCategoryCode: '4111' }))[4];
      return bytesToHex(
        findTlvValue(generateAcTemplate(answer ?? new Uint8Array()), '9F27') ?? new Uint8Array(),
      );
    };
    expect(await cryptograms({})).toBe('00');
    expect(await cryptograms({ isSupportTransit: true })).toBe('80');
    expect(await cryptograms({}, { isSupportTransit: true })).toBe('80');
    expect(await cryptograms({ isSupportTransit: false }, { isSupportTransit: true })).toBe('00');
    expect(await cryptograms({ isSupportTransit: true }, { isSupportTransitWithoutConsent: false })).toBe(
      '00',
    );
  });

  it('declines the tap when the permit does not answer in time, still spending the credential', async () => {
    const failures: string[] = [];
    const { sdk, clock } = await seededSdk({
      sdk: {
        transactionPermit: { isAllowed: () => new Promise(() => undefined) },
        transactionListener: { onTransactionFailed: (failure) => failures.push(failure.result) },
      },
    });
    const answer = tap(sdk, { amountMinor: 100n });
    await clock.advanceMs(2_000);
    const responses = await answer;
    expect(
      bytesToHex(
        findTlvValue(generateAcTemplate(responses[4] ?? new Uint8Array()), '9F27') ?? new Uint8Array(),
      ),
    ).toBe('00');
    expect(failures).toEqual(['DECLINE']);
    expect(sdk.credentialsRemaining()).toBe(4);
  });

  it('answers an AAC when the terminal asks for one (TERMINAL_DECLINED, no code)', async () => {
    const failures: TransactionFailure[] = [];
    const { sdk } = await seededSdk({
      sdk: { transactionListener: { onTransactionFailed: (failure) => failures.push(failure) } },
    });
    for (const command of [apdus.selectPpse(), apdus.selectAid(), apdus.gpo()])
      await sdk.processApdu(command);
    const answer = await sdk.processApdu(apdus.generateAc({ amountMinor: 100n }, 0x00));
    const { verification, iad } = verifyFromIssuer(answer, 100n);
    expect(verification.valid).toBe(true);
    expect(iad.cvr[0]).toBe(0x00);
    expect(failures.map((failure) => [failure.result, failure.error])).toEqual([
      ['TERMINAL_DECLINED', undefined],
    ]);
  });

  it('refuses a locked token at GPO with 6985 and 10008, spending nothing', async () => {
    const failures: TransactionFailure[] = [];
    const { sdk } = await seededSdk({
      locked: true,
      sdk: { transactionListener: { onTransactionFailed: (failure) => failures.push(failure) } },
    });
    const responses = await tap(sdk, { amountMinor: 100n });
    expect(responses.map(swOf)).toEqual([0x9000, 0x9000, 0x6985]);
    expect(failures.map((failure) => [failure.result, failure.error?.code])).toEqual([
      ['TOKEN_UNAVAILABLE', 10008],
    ]);
    expect(failures[0]?.error).toBeInstanceOf(SdkError);
    expect(sdk.credentialsRemaining()).toBe(5);
  });

  it('refuses with 10007 when no credential is left', async () => {
    const failures: number[] = [];
    const { sdk } = await seededSdk({
      atcs: [],
      sdk: {
        transactionListener: { onTransactionFailed: (failure) => failures.push(failure.error?.code ?? 0) },
      },
    });
    expect(await sdk.isPaymentAvailable()).toBe(1);
    expect((await tap(sdk, { amountMinor: 100n })).map(swOf)).toEqual([0x9000, 0x9000, 0x6985]);
    expect(failures).toEqual([10007]);
  });

  it('answers 6A82 to SELECT PPSE when disconnected', async () => {
    const { sdk } = await seededSdk();
    await sdk.disconnect();
    expect(swOf(await sdk.processApdu(apdus.selectPpse()))).toBe(0x6a82);
    await expect(sdk.replenish()).rejects.toMatchObject({ code: 10006 });
    expect(await sdk.isPaymentAvailable()).toBe(-2);
  });

  it('never reuses an ATC when the process dies after the credential was marked used', async () => {
    const { sdk, storage } = await seededSdk();
    await tap(sdk, { amountMinor: 100n });
    // "Crash": a new SDK over the bytes on disk, as if the process died right after the write.
    const restarted = await seededSdk({ storage: storage.reopen() });
    const answer = (await tap(restarted.sdk, { amountMinor: 100n }))[4];
    expect(
      bytesToHex(findTlvValue(generateAcTemplate(answer ?? new Uint8Array()), '9F36') ?? new Uint8Array()),
    ).toBe('0002');
  });

  it('sends no cryptogram when marking the credential used fails', async () => {
    const { sdk, storage } = await seededSdk();
    for (const command of [apdus.selectPpse(), apdus.selectAid(), apdus.gpo(), apdus.readRecord()])
      await sdk.processApdu(command);
    storage.failWrites = true;
    const answer = await sdk.processApdu(apdus.generateAc({ amountMinor: 100n }));
    expect(bytesToHex(answer)).toBe('6F00');
    storage.failWrites = false;
    // The in-memory wallet moved on anyway, so this process never uses ATC 1 again either.
    const next = (await tap(sdk, { amountMinor: 100n }))[4];
    expect(
      bytesToHex(findTlvValue(generateAcTemplate(next ?? new Uint8Array()), '9F36') ?? new Uint8Array()),
    ).toBe('0002');
  });

  it('answers random and out-of-order APDUs with a status word and spends only on GENERATE AC', async () => {
    const known = [
      apdus.selectPpse(),
      apdus.selectAid(),
      apdus.gpo(),
      apdus.readRecord(),
      apdus.generateAc({ amountMinor: 100n }),
    ];
    const { sdk } = await seededSdk({ atcs: Array.from({ length: 400 }, (_, i) => i + 1) });
    let generateAcOk = 0;
    await fc.assert(
      fc.asyncProperty(
        // Chunks of one known command, random bytes, or a whole dialogue in order, shuffled together.
        fc
          .array(
            fc.oneof(
              fc.constantFrom(...known).map((command) => [command]),
              fc.uint8Array({ maxLength: 60 }).map((bytes) => [bytes]),
              fc.constant(known),
            ),
            { maxLength: 8 },
          )
          .map((chunks) => chunks.flat()),
        async (commands) => {
          for (const command of commands) {
            const before = sdk.credentialsRemaining();
            const response = await sdk.processApdu(command);
            expect(response.length).toBeGreaterThanOrEqual(2);
            const sw = swOf(response);
            const spent = before - sdk.credentialsRemaining();
            const isGenerateAc = command[1] === 0xae && command[0] === 0x80;
            if (!isGenerateAc) expect(spent).toBe(0);
            if (sw === 0x9000 && isGenerateAc) generateAcOk++;
            expect(spent).toBe(sw === 0x9000 && isGenerateAc ? 1 : 0);
          }
          sdk.onDeactivated();
        },
      ),
      { numRuns: 150 },
    );
    expect(generateAcOk).toBeGreaterThan(0);
  });

  it('rejects custom data above 256 characters with 10011', async () => {
    const { sdk } = await seededSdk();
    expect(() => sdk.setCustomData('x'.repeat(257))).toThrow(SdkError);
    expect(() => sdk.setCustomData('x'.repeat(256))).not.toThrow();
  });
});
