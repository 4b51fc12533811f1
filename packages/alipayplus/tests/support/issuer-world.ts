import { createPrivateKey, createPublicKey } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { type FieldValue, getText, Iso8583Connection, type Iso8583Message } from '@tapkit/emv';
// (tapkit) @tapkit/mpp-server does not export its composition root yet; the test reaches the real app.
import {
  buildMppApp,
  createCustomer,
  type DbHandle as MppDbHandle,
  openDatabase as openMppDatabase,
  readWalletBalances,
  topUp,
} from '@tapkit/mpp-server';
import { VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair } from '@tapkit/protocol/node';
import type { DbHandle } from '@tapkit/storage';
import type { FastifyInstance } from 'fastify';
import { type ClearingRecord, writeClearingFile } from '../../src/issuer/adapters/clearing-file.ts';
import type { IssuerDatabase } from '../../src/issuer/adapters/db/schema.ts';
import { ingestClearingFile } from '../../src/issuer/clearing.ts';
import { type RunningIssuer, startIssuerProcessor } from '../../src/issuer/compose.ts';
import type { IssuerConfig } from '../../src/issuer/config.ts';
import type { AuthorizationDecidedListener } from '../../src/issuer/ports.ts';
import type { QuoteConfig } from '../../src/quotes/quotes.ts';

// A whole flow on loopback: the real MPP server (HTTP, signed), the issuer processor (ISO 8583 over TCP)
// and a scripted network peer, all on one VirtualClock. Keys are generated once per test file.

/** 2026-11-25 10:00 UTC+8. */
export const START_MS = Date.parse('2026-11-25T02:00:00Z');
export const DAY_MS = 86_400_000;
export const MPP_CLIENT_ID = 'TAPKIT_MPP_TEST';
export const TOKEN = 'DWSPMC000000000000000000000000001';
export const CUSTOMER = 'C-ALICE';
export const MERCHANT = 'MERCHANT0000001';

function pair() {
  const generated = generateRsaKeyPair();
  return {
    privateKey: createPrivateKey(generated.privateKeyPem),
    publicKey: createPublicKey(generated.publicKeyPem),
  };
}
const mppKeys = pair();
const alipayKeys = pair();

export interface World {
  readonly clock: VirtualClock;
  readonly mpp: FastifyInstance;
  readonly mppDb: MppDbHandle;
  readonly issuer: RunningIssuer;
  readonly peer: NetworkPeer;
  /** Stops the issuer processor (as a crash or a deploy would) and starts a new one on the same database. */
  restartIssuer(config?: Partial<IssuerConfig>): Promise<void>;
  /** API name -> requests the MPP received. */
  readonly mppCalls: Map<string, Record<string, unknown>[]>;
  balance(customerId?: string): Promise<bigint>;
  /** Lets every background flow finish (outbox calls, inquiries), advancing the clock by `ms` first. */
  settle(ms?: number): Promise<void>;
  calls(api: string): number;
  ingest(
    records: readonly ClearingRecord[],
    options?: { fileId?: string; badTrailer?: boolean },
  ): ReturnType<typeof ingestClearingFile>;
  close(): Promise<void>;
}

export async function startWorld(
  issuerDb: DbHandle<IssuerDatabase>,
  options: {
    balanceMinor?: bigint;
    config?: Partial<IssuerConfig>;
    /** Client timeouts of the issuer's MPP client (real time). */
    timeoutsMs?: Partial<
      Record<'pay' | 'refund' | 'cancelPayment' | 'inquiryPayment' | 'adjustRefund', number>
    >;
    /** The MPP holds the first `times` requests of `api` for `ms` (real time) before handling them. */
    stall?: { api: string; times: number; ms: number };
    /** The issuer's port to the Ant server's NOTIFY feed. */
    onAuthorizationDecided?: AuthorizationDecidedListener;
    /** The MPP's wallet currency as the issuer is configured with it (cross-currency pays). */
    walletCurrency?: string;
    /** The issuer's FX rate table. */
    quotes?: QuoteConfig;
  } = {},
): Promise<World> {
  const clock = new VirtualClock(START_MS);
  const mppDb = await openMppDatabase(':memory:');
  const mpp = buildMppApp({
    db: mppDb,
    clock,
    config: {},
    keys: {
      signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
      alipayPeers: [{ clientId: MPP_CLIENT_ID, verifyKeys: new Map([['1', alipayKeys.publicKey]]) }],
    },
  });
  const mppCalls = new Map<string, Record<string, unknown>[]>();
  let stalled = 0;
  mpp.addHook('preHandler', async (request) => {
    const api = request.url.split('/').pop() ?? '';
    const list = mppCalls.get(api) ?? [];
    const body = JSON.parse(String(request.body ?? '{}')) as Record<string, unknown>;
    list.push({
      ...body,
      __signature: request.headers.signature,
      __requestTime: request.headers['request-time'],
    });
    mppCalls.set(api, list);
    if (options.stall?.api === api && stalled < options.stall.times) {
      stalled += 1;
      await new Promise((resolve) => setTimeout(resolve, options.stall?.ms));
    }
  });
  const baseUrl = await mpp.listen({ host: '127.0.0.1', port: 0 });
  const deps = { store: mppDb, clock };
  await createCustomer(deps, { customerId: CUSTOMER, currencies: ['HKD'] });
  await topUp(deps, {
    topupRequestId: 'seed',
    customerId: CUSTOMER,
    amount: { currency: 'HKD', value: options.balanceMinor ?? 10_000n },
  });
  const startIssuer = (config: Partial<IssuerConfig> | undefined) =>
    startIssuerProcessor({
      db: issuerDb,
      clock,
      mpps: [
        {
          mppId: MPP_CLIENT_ID,
          baseUrl,
          clientId: MPP_CLIENT_ID,
          signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
          peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
          ...(options.timeoutsMs === undefined ? {} : { timeoutsMs: options.timeoutsMs }),
          ...(options.walletCurrency === undefined ? {} : { walletCurrency: options.walletCurrency }),
        },
      ],
      tcp: { port: 0 },
      ...(options.quotes === undefined ? {} : { gateway: { quotes: options.quotes } }),
      ...(config === undefined ? {} : { config }),
      ...(options.onAuthorizationDecided === undefined
        ? {}
        : { onAuthorizationDecided: options.onAuthorizationDecided }),
    });
  let issuer = await startIssuer(options.config);
  let peer = await NetworkPeer.connect(issuer.port);
  let fileCount = 0;
  const world: World = {
    clock,
    mpp,
    mppDb,
    get issuer() {
      return issuer;
    },
    get peer() {
      return peer;
    },
    async restartIssuer(config) {
      peer.close();
      await issuer.close();
      issuer = await startIssuer(config ?? options.config);
      peer = await NetworkPeer.connect(issuer.port);
    },
    mppCalls,
    async balance(customerId = CUSTOMER) {
      const balances = await readWalletBalances(mppDb.db, customerId);
      return balances.find((b) => b.currency === 'HKD')?.balanceMinor ?? -1n;
    },
    async settle(ms = 0) {
      const targetMs = clock.nowMs() + ms;
      // Flows wait on real I/O (HTTP, PostgreSQL) and on virtual timers in turn: let the I/O finish, then
      // move the clock to the next timer due before the target, until nothing is left to do.
      for (let round = 0; round < 500; round++) {
        await Promise.race([issuer.processor.idle(), new Promise((resolve) => setTimeout(resolve, 30))]);
        const dueMs = clock.nextTimerDueMs();
        if (dueMs !== undefined && dueMs <= targetMs) {
          await clock.advanceMs(Math.max(0, dueMs - clock.nowMs()));
          continue;
        }
        if (issuer.processor.backgroundCount() === 0) break;
      }
      if (clock.nowMs() < targetMs) await clock.advanceMs(targetMs - clock.nowMs());
      // Flows waiting on timers past the target stay pending; do not wait for them.
      await Promise.race([issuer.processor.idle(), new Promise((resolve) => setTimeout(resolve, 500))]);
    },
    calls: (api) => mppCalls.get(api)?.length ?? 0,
    async ingest(records, ingestOptions = {}) {
      fileCount += 1;
      const stream = new PassThrough();
      const writing = writeClearingFile(stream, {
        fileId: ingestOptions.fileId ?? `FILE-${fileCount}`,
        createdDateTime: '261126000000',
        records,
        ...(ingestOptions.badTrailer
          ? { totals: { purchaseCount: 999, purchaseAmountMinor: 1n, refundCount: 0, refundAmountMinor: 0n } }
          : {}),
      });
      const result = await ingestClearingFile(issuer.processor, stream, { awaitCalls: true, pageSize: 3 });
      await writing;
      return result;
    },
    async close() {
      peer.close();
      await issuer.close();
      await mpp.close();
      await mppDb.close();
    },
  };
  return world;
}

/** The network's side of the link: framed ISO 8583 requests, answers matched by STAN. */
export class NetworkPeer {
  private readonly waiting = new Map<string, (message: Iso8583Message) => void>();
  private readonly connection: Iso8583Connection;
  private stan = 0;

  private constructor(socket: Socket) {
    this.connection = new Iso8583Connection(socket, {
      logger: {
        warn(_fields, message) {
          if (message !== 'socket error') throw new Error(`network peer: ${message}`);
        },
      },
      onMessage: (message) => {
        const stan = getText(message, 11) ?? '';
        this.waiting.get(stan)?.(message);
        this.waiting.delete(stan);
      },
    });
  }

  static connect(port: number): Promise<NetworkPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new NetworkPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request (with a fresh STAN) and resolves with its answer. */
  send(mti: string, fields: ReadonlyMap<number, FieldValue>): Promise<Iso8583Message> {
    this.stan += 1;
    const stan = String(this.stan).padStart(6, '0');
    const message = { mti, fields: new Map([...fields, [11, stan]]) };
    const answered = new Promise<Iso8583Message>((resolve) => this.waiting.set(stan, resolve));
    this.connection.send(message);
    return answered;
  }

  close(): void {
    this.connection.close();
  }
}

export interface AuthInput {
  readonly trace: string;
  readonly amountMinor: bigint;
  readonly type?: 'FINAL' | 'PRE_AUTHORIZATION' | 'INCREMENTAL';
  readonly refund?: boolean;
  readonly original?: string;
  readonly token?: string;
  readonly customer?: string;
  readonly merchant?: string;
  /** 9F36 in DE55, as the network forwards the card's ATC. */
  readonly atc?: number;
  /** DE49, ISO 4217 numeric; HKD (344) by default. */
  readonly currencyNumeric?: string;
}

/** The fields of a 0100 as the network forwards it to the issuer (no card fields, references in DE48). */
export function authorizationFields(input: AuthInput): Map<number, FieldValue> {
  const subelements = [
    { id: '01', value: input.token ?? TOKEN },
    { id: '02', value: 'basket-7' },
    { id: '03', value: input.customer ?? CUSTOMER },
  ];
  if (input.original !== undefined) subelements.push({ id: '04', value: input.original });
  return new Map<number, FieldValue>([
    [3, input.refund ? '200000' : '000000'],
    [4, input.amountMinor.toString().padStart(12, '0')],
    [7, '1125020000'],
    [18, '5812'],
    [22, '071'],
    [32, '123456'],
    [37, input.trace.slice(-12).padStart(12, '0')],
    [41, 'TERM0001'],
    [42, input.merchant ?? MERCHANT],
    [43, 'Coffee Corner            Hong Kong    HK'],
    [48, subelements],
    [49, input.currencyNumeric ?? '344'],
    [61, input.type ?? 'FINAL'],
    [63, input.trace],
    ...(input.atc === undefined ? [] : [[55, atcTlv(input.atc)] as [number, FieldValue]]),
  ]);
}

function atcTlv(atc: number): FieldValue {
  return [{ tag: '9F36', value: new Uint8Array([(atc >> 8) & 0xff, atc & 0xff]) }];
}

/** A 0400/0420 for the authorization `trace`; `remainingMinor` set makes it partial (DE95). */
export function reversalFields(
  trace: string,
  amountMinor: bigint,
  remainingMinor?: bigint,
  currencyNumeric?: string,
): Map<number, FieldValue> {
  const fields = authorizationFields({ trace, amountMinor, ...(currencyNumeric ? { currencyNumeric } : {}) });
  fields.set(90, `0100000001112502000000000123456${'0'.repeat(11)}`);
  if (remainingMinor !== undefined)
    fields.set(95, remainingMinor.toString().padStart(12, '0') + '0'.repeat(30));
  return fields;
}

let arnSequence = 0;

export function clearingRecord(input: Partial<ClearingRecord> & { amountMinor: bigint }): ClearingRecord {
  arnSequence += 1;
  return {
    kind: 'PURCHASE',
    currency: 'HKD',
    acquirerReferenceNumber: `7123456${String(arnSequence).padStart(16, '0')}`,
    networkTraceId: undefined,
    tokenUniqueReference: TOKEN,
    fundingReference: CUSTOMER,
    merchantId: MERCHANT,
    terminalId: 'TERM0001',
    localDateTime: '261125100000',
    ...input,
  };
}

/**
 * Opens a test database, retrying a few times: on a PostgreSQL shared by parallel test files, Kysely's
 * migrator introspects every schema and fails (3F000) when another file drops its schema meanwhile.
 */
export async function openEngine(engine: {
  open(): Promise<DbHandle<IssuerDatabase>>;
}): Promise<DbHandle<IssuerDatabase>> {
  const attemptsMax = 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await engine.open();
    } catch (error) {
      if (attempt >= attemptsMax || !String(error).includes('does not exist')) throw error;
    }
  }
}
