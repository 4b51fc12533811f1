// A provisioned SDK without the network: the token record and credentials are written straight into
// (encrypted) storage, with session keys derived from the public test IMK like the token service does.
// For card tests; the lifecycle tests provision through the real token service instead.
import {
  bytesToHex,
  deriveIccMasterKey,
  deriveSessionKey,
  desJsBlockCipher,
  encodeCommandApdu,
  generateAc,
  getProcessingOptions,
  hexToBytes,
  readRecord,
  selectByName,
  sessionKeyInputCvn20,
  toBcd,
} from '@tapkit/emv';
import { cardProfileOf } from '@tapkit/mastercard';
import { VirtualClock } from '@tapkit/protocol';
import { MemorySecureStorage } from '../../src/adapters/memory-storage.ts';
import { createNfcSdk, type NfcSdk, type NfcSdkOptions, platformRandom } from '../../src/sdk.ts';
import { EncryptedStore } from '../../src/storage/encrypted-store.ts';
import { recordNames, type UserState, type WalletRecord } from '../../src/storage/records.ts';

export const TEST_IMK = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
export const TOKEN_PAN = '5413330000000019';
export const TUR = 'DTKMC0000000000000001';
export const USER = 'user-1';
export const START_MS = Date.UTC(2026, 10, 25, 12);

export function testProfile() {
  return cardProfileOf({ tokenPan: TOKEN_PAN, psn: '00', expiry: { yymm: '2911', yymmdd: '291130' } });
}

export function sessionKeyOf(atc: number): string {
  const mk = deriveIccMasterKey(desJsBlockCipher, { imk: TEST_IMK, pan: TOKEN_PAN, psn: '00' });
  const r = sessionKeyInputCvn20(Uint8Array.of(atc >> 8, atc & 0xff));
  return bytesToHex(deriveSessionKey(desJsBlockCipher, { mk, r }));
}

export interface SeedOptions {
  atcs?: readonly number[];
  locked?: boolean;
  activation?: 'PREPARED' | 'NEEDS_CONFIRMATION' | 'ACTIVE';
}

export async function seedStorage(storage: MemorySecureStorage, options: SeedOptions = {}): Promise<void> {
  const store = new EncryptedStore(storage, platformRandom);
  const state: UserState = {
    v: 1,
    deviceId: 'dev_test',
    token: {
      tokenUniqueReference: TUR,
      cardProfile: testProfile(),
      activation: options.activation ?? 'ACTIVE',
      locked: options.locked ?? false,
    },
  };
  const atcs = options.atcs ?? [1, 2, 3, 4, 5];
  const wallet: WalletRecord = {
    tokenUniqueReference: TUR,
    credentials: atcs.map((atc) => ({ atc, sessionKey: sessionKeyOf(atc) })),
    usedAtcs: [],
    atcHighestUsed: 0,
  };
  await store.writeJson(recordNames.state(USER), state);
  await store.writeJson(recordNames.wallet(USER), wallet);
}

export async function seededSdk(
  options: SeedOptions & { sdk?: Partial<NfcSdkOptions>; storage?: MemorySecureStorage } = {},
): Promise<{ sdk: NfcSdk; storage: MemorySecureStorage; clock: VirtualClock; proxyCalls: string[] }> {
  const storage = options.storage ?? new MemorySecureStorage();
  if (options.storage === undefined) await seedStorage(storage, options);
  const clock = new VirtualClock(START_MS);
  const proxyCalls: string[] = [];
  const sdk = createNfcSdk({
    // Offline: connect's remote configuration read fails (the local config stands), taps need no network.
    requestProxy: {
      sendRequest: async (type) => {
        proxyCalls.push(type);
        return null;
      },
    },
    storage,
    deviceFingerprint: async () => 'fp-test',
    clock,
    ...options.sdk,
  });
  await sdk.connect({ userId: USER });
  return { sdk, storage, clock, proxyCalls };
}

/** The CDOL1 values a terminal sends, by tag. */
export interface TapValues {
  amountMinor: bigint;
  currency?: string;
  unpredictableNumber?: string;
  /** 9C, two digits (default 00, purchase). */
  transactionType?: string;
  /** 9F15, four digits (default 5411). */
  merchantCategoryCode?: string;
}

export function cdolData(values: TapValues): Uint8Array {
  const parts = [
    toBcd(values.amountMinor, 6), // 9F02
    toBcd(0n, 6), // 9F03
    hexToBytes('0840'), // 9F1A
    hexToBytes('0000000000'), // 95
    hexToBytes(values.currency ?? '0840'), // 5F2A
    hexToBytes('261125'), // 9A
    hexToBytes(values.transactionType ?? '00'), // 9C
    hexToBytes(values.unpredictableNumber ?? '11223344'), // 9F37
    hexToBytes('22'), // 9F35
    hexToBytes('0000'), // 9F45
    new Uint8Array(8), // 9F4C
    hexToBytes('1F0302'), // 9F34
    hexToBytes(values.merchantCategoryCode ?? '5411'), // 9F15
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const apdus = {
  selectPpse: () => encodeCommandApdu(selectByName(new TextEncoder().encode('2PAY.SYS.DDF01'))),
  selectAid: () => encodeCommandApdu(selectByName(hexToBytes('A0000000041010'))),
  gpo: () => encodeCommandApdu(getProcessingOptions(hexToBytes('084022'))),
  readRecord: () => encodeCommandApdu(readRecord(1, 1)),
  generateAc: (values: TapValues, p1 = 0x80) => encodeCommandApdu(generateAc(p1, cdolData(values))),
};

export function swOf(response: Uint8Array): number {
  return ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0);
}

export function dataOf(response: Uint8Array): Uint8Array {
  return response.slice(0, response.length - 2);
}

/** A whole Kernel 2 dialogue; the GENERATE AC response APDU. */
export async function tap(sdk: NfcSdk, values: TapValues): Promise<Uint8Array[]> {
  const responses: Uint8Array[] = [];
  for (const command of [
    apdus.selectPpse(),
    apdus.selectAid(),
    apdus.gpo(),
    apdus.readRecord(),
    apdus.generateAc(values),
  ]) {
    const response = await sdk.processApdu(command);
    responses.push(response);
    if (swOf(response) !== 0x9000) break;
  }
  sdk.onDeactivated('field lost');
  return responses;
}
