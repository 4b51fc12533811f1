import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultTerminalConfig,
  InMemoryJournal,
  type JournalEntry,
  PosTerminal,
  type TerminalConfig,
  type TerminalOutcome,
} from '@tapkit/terminal';
import { TcpNetworkConnection } from '@tapkit/terminal/node';
import { type SystemHandle, startSystem } from '../system.ts';
import { RecordingConnection } from './acquirer.ts';
import { type DeskResult, type SystemDesk, systemDesk } from './desk.ts';
import { getJson, Phone, postJson } from './phone.ts';
import type { SeededRandom } from './prng.ts';

// Everything a flow touches: a fresh system (temp data dir, free ports, fast provisioning), the wallet app
// on two phones, one POS terminal with its acquirer link over TCP, the MPP admin API for balances, and the
// system's clearing desk. Flows use only these real interfaces.

/** (tapkit) The demo shop's terminal: Hong Kong, HKD, the SDK's no-CVM limit (HKD 50.00). */
export const demoTerminalConfig: TerminalConfig = {
  ...defaultTerminalConfig,
  merchantNameLocation: 'Tapkit Demo Shop        Hong Kong    HK',
  countryCode: '344',
  currencyCode: '344',
  noCvmLimitMinor: 5_000n,
  networkTimeoutMs: 15_000,
  reversalRetryDelayMs: 500,
};

/** A second shop, which never sold anything to the demo's cards (the unlinked refund). */
export const otherShopConfig: TerminalConfig = {
  ...demoTerminalConfig,
  terminalId: 'TAPKIT02',
  merchantId: 'TAPKITMERCHANT2',
  merchantNameLocation: 'Tapkit Other Shop       Hong Kong    HK',
};

/** A shop of its own for one flow, so a refund there can match only that flow's purchase. */
export function shopConfig(index: number): TerminalConfig {
  const digit = String(index);
  return {
    ...demoTerminalConfig,
    terminalId: `TAPKITS${digit}`,
    merchantId: `TAPKITSHOP0000${digit}`,
    merchantNameLocation: `${`Tapkit Shop ${digit}`.padEnd(24)}Hong Kong    HK`,
  };
}

/** A terminal with its own journal (the panel refunds only what its terminal sold). */
export interface Shop {
  readonly config: TerminalConfig;
  readonly terminal: PosTerminal;
  readonly journal: InMemoryJournal;
}

export const CURRENCY = 'HKD';
/** (tapkit) Added to Alice's demo balance at the start; every row's expectation is relative anyway. */
const aliceBudgetMinor = 300_000n;
/** How long a flow waits for the asynchronous effects (outbox calls, inquiries) to show in a balance. */
export const settleTimeoutMs = 6_000;
const pollIntervalMs = 50;

export interface TapResult {
  readonly outcome: TerminalOutcome;
  /** APPROVED, DECLINED 51, SEE_PHONE, TRY_AGAIN NETWORK_TIMEOUT, END_APPLICATION ... */
  readonly label: string;
  readonly rrn: string | undefined;
  readonly networkTraceId: string | undefined;
  /** DE38 of the 0110. */
  readonly approvalCode: string | undefined;
  readonly entry: JournalEntry | undefined;
}

export interface WorldOptions {
  readonly fast: boolean;
  readonly random: SeededRandom;
  /** Added to one flow's expected balance (tests prove the table can fail). */
  readonly tamper?: { readonly flow: string; readonly deltaMinor: bigint };
}

export class DemoWorld {
  private constructor(
    readonly system: SystemHandle,
    readonly random: SeededRandom,
    readonly terminal: PosTerminal,
    readonly journal: InMemoryJournal,
    readonly connection: RecordingConnection,
    readonly desk: SystemDesk,
    readonly alice: Phone,
    readonly bob: Phone,
    private readonly options: WorldOptions,
    private readonly tempDir: string,
  ) {}

  static async start(options: WorldOptions): Promise<DemoWorld> {
    const tempDir = await mkdtemp(join(tmpdir(), 'tapkit-demo-'));
    const system = await startSystem({
      dataDir: join(tempDir, 'data'),
      fast: options.fast,
      ...(options.fast ? { provisioningDelayMs: 300 } : {}),
      ports: { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 },
    });
    try {
      return await DemoWorld.assemble(system, options, tempDir);
    } catch (error) {
      await system.close();
      throw error;
    }
  }

  private static async assemble(system: SystemHandle, options: WorldOptions, tempDir: string) {
    const acquirer = new URL(system.urls.acquirerTcp.replace(/^tcp:/, 'http:'));
    const tcp = new TcpNetworkConnection({
      host: acquirer.hostname,
      port: Number(acquirer.port),
      clock: system.clock,
      connectTimeoutMs: 5_000,
      pendingCountMax: 64,
    });
    const connection = new RecordingConnection(tcp);
    const journal = new InMemoryJournal();
    const terminal = new PosTerminal({
      config: demoTerminalConfig,
      clock: system.clock,
      random: { bytes: (length) => options.random.bytes(length) },
      connection,
      journal,
    });
    // The activation polling comes from the Ant server's remote configuration (nfc_issue_config, by
    // mode: NFC_ISSUE_CONFIGS), which wins over the SDK's local defaults.
    const sdkConfig = { noCvmLimitMinor: demoTerminalConfig.noCvmLimitMinor };
    const user = (name: string) => {
      const found = system.demoUsers.find((u) => u.username === name);
      if (found === undefined) throw new Error(`the system has no demo user ${name}`);
      return found;
    };
    const alice = new Phone(system.urls.mpp, user('alice'), system.clock, sdkConfig);
    const bob = new Phone(system.urls.mpp, user('bob'), system.clock, sdkConfig);
    await alice.start();
    await bob.start();
    const desk = systemDesk(system);
    const world = new DemoWorld(
      system,
      options.random,
      terminal,
      journal,
      connection,
      desk,
      alice,
      bob,
      options,
      tempDir,
    );
    // Alice pays for most rows, several above HKD 300 (fault amounts): a budget so no row runs dry.
    await world.topUp(alice.user.customerId, aliceBudgetMinor);
    return world;
  }

  get terminalConfig(): TerminalConfig {
    return demoTerminalConfig;
  }

  private readonly shops = new Map<number, Shop>();

  /**
   * Shop `index` (1-9): its own terminal id, merchant id and journal, on the same acquirer connection.
   * Its STANs start far from the demo terminal's, so the network's acquirer keys (DE32, DE11, DE7) never
   * collide within one second.
   */
  shop(index: number): Shop {
    const existing = this.shops.get(index);
    if (existing !== undefined) return existing;
    const config = shopConfig(index);
    const journal = new InMemoryJournal();
    const terminal = new PosTerminal({
      config,
      clock: this.system.clock,
      random: { bytes: (length) => this.random.bytes(length) },
      connection: this.connection,
      journal,
      lastStan: index * 50_000,
    });
    const shop = { config, terminal, journal };
    this.shops.set(index, shop);
    return shop;
  }

  /** The expected balance a flow computed, shifted when a test tampers with that flow. */
  expectMinor(flow: string, expectedMinor: bigint): bigint {
    const tamper = this.options.tamper;
    return tamper !== undefined && tamper.flow === flow ? expectedMinor + tamper.deltaMinor : expectedMinor;
  }

  private admin(): string {
    return `Bearer ${this.system.adminToken}`;
  }

  /** The customer's HKD wallet balance from the MPP admin API. */
  async balance(customerId: string): Promise<bigint> {
    const answer = await getJson(
      `${this.system.urls.mpp}/admin/v1/customers/${encodeURIComponent(customerId)}/balances`,
      this.admin(),
    );
    const balances = (answer.body as { balances?: { currency: string; value: string }[] }).balances ?? [];
    const hkd = balances.find((b) => b.currency === CURRENCY);
    if (answer.status !== 200 || hkd === undefined) {
      throw new Error(`balance of ${customerId}: HTTP ${answer.status}`);
    }
    return BigInt(hkd.value);
  }

  /** Polls the balance until it equals `expectedMinor` or the settle time is up; returns the last reading. */
  async settledBalance(
    customerId: string,
    expectedMinor: bigint,
    timeoutMs = settleTimeoutMs,
  ): Promise<bigint> {
    const deadlineMs = Date.now() + timeoutMs;
    let observed = await this.balance(customerId);
    for (let poll = 0; observed !== expectedMinor && Date.now() < deadlineMs && poll < 10_000; poll++) {
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      observed = await this.balance(customerId);
    }
    return observed;
  }

  async topUp(customerId: string, amountMinor: bigint): Promise<void> {
    const answer = await postJson(
      `${this.system.urls.mpp}/admin/v1/topups`,
      {
        topupRequestId: `demo-${this.random.hexId(16)}`,
        customerId,
        amount: { currency: CURRENCY, value: amountMinor.toString() },
      },
      this.admin(),
    );
    if (answer.status !== 200) throw new Error(`top-up of ${customerId}: HTTP ${answer.status}`);
  }

  async invariants(): Promise<{ ok: boolean; text: string }> {
    const answer = await getJson(`${this.system.urls.mpp}/admin/v1/ledger/invariants`, this.admin());
    const report = answer.body as {
      ok?: boolean;
      accountCount?: number;
      currencies?: { currency: string; postingSumMinor: string }[];
      violations?: unknown[];
    };
    const sums = (report.currencies ?? []).map((c) => `${c.currency} sum ${c.postingSumMinor}`).join(', ');
    const text = `HTTP ${answer.status}, ok=${String(report.ok)}, ${report.accountCount ?? '?'} accounts, ${sums}, ${
      report.violations?.length ?? '?'
    } violations`;
    return { ok: answer.status === 200 && report.ok === true, text };
  }

  /** The issuer processor's record of an authorization (GET /alipayplus/v1/authorizations/:traceId). */
  async authorization(networkTraceId: string): Promise<Record<string, unknown> | undefined> {
    const answer = await getJson(
      `${this.system.urls.alipayPlus}/alipayplus/v1/authorizations/${encodeURIComponent(networkTraceId)}`,
    );
    return answer.status === 200 ? (answer.body as Record<string, unknown>) : undefined;
  }

  /**
   * The calls Alipay+ made to the MPP for an authorization, from the system timeline (Alipay+'s book):
   * pays as `pay <KIND>`, then cancelPayment / refund / `adjustRefund EXCEED|UNLINKED`, each with its status
   * unless DONE/SUCCESS, sorted so the comparison does not depend on timestamps.
   */
  async mppCalls(networkTraceId: string): Promise<string[]> {
    const answer = await getJson(
      `${this.system.urls.web}/system/v1/timeline?networkTraceId=${encodeURIComponent(networkTraceId)}`,
    );
    const entries = (answer.body as { entries?: { party: string; step: string; detail?: unknown }[] })
      .entries;
    if (answer.status !== 200 || entries === undefined) return [`timeline HTTP ${answer.status}`];
    const calls: string[] = [];
    for (const entry of entries) {
      if (entry.party !== 'ALIPAYPLUS') continue;
      const pay = /^pay \(([A-Z_]+)\) ([A-Z_]+)$/.exec(entry.step);
      if (pay !== null) {
        calls.push(`pay ${pay[1]}${pay[2] === 'SUCCESS' || pay[2] === 'CANCELLED' ? '' : ` ${pay[2]}`}`);
        continue;
      }
      const call = /^(cancelPayment|refund|adjustRefund|inquiryPayment) ([A-Z_]+)$/.exec(entry.step);
      if (call === null) continue;
      const callKey = String((entry.detail as { callKey?: unknown } | undefined)?.callKey ?? '');
      const kind = callKey.endsWith('-E') ? ' EXCEED' : callKey.endsWith('-U') ? ' UNLINKED' : '';
      calls.push(`${call[1]}${kind}${call[2] === 'DONE' ? '' : ` ${call[2]}`}`);
    }
    return calls.sort();
  }

  /** Polls mppCalls until it shows `expected` or the settle time is up; returns the last reading, joined. */
  async settledCalls(networkTraceId: string, expected: readonly string[]): Promise<string> {
    const want = [...expected].sort().join(',');
    const deadlineMs = Date.now() + settleTimeoutMs;
    let observed = (await this.mppCalls(networkTraceId)).join(',');
    for (let poll = 0; observed !== want && Date.now() < deadlineMs && poll < 10_000; poll++) {
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      observed = (await this.mppCalls(networkTraceId)).join(',');
    }
    return observed;
  }

  /** One tap of `phone` on the demo terminal; `authenticate` first when the user verified on the phone. */
  async tap(
    phone: Phone,
    amountMinor: bigint,
    options: { authenticate?: boolean; authorizationType?: string; shop?: Shop } = {},
  ): Promise<TapResult> {
    const terminal = options.shop?.terminal ?? this.terminal;
    const journal = options.shop?.journal ?? this.journal;
    if (options.authenticate === true) phone.sdk.notifyUserAuthenticated();
    this.connection.nextAuthorizationType = options.authorizationType;
    const link = phone.nfcLink();
    const outcome = await terminal.tap(link, { type: 'PURCHASE', amountMinor });
    link.close?.();
    phone.sdk.onDeactivated();
    this.connection.nextAuthorizationType = undefined;
    await phone.sdk.whenIdle();
    const rrn = 'transaction' in outcome ? outcome.transaction?.rrn : undefined;
    const terminalId = options.shop?.config.terminalId ?? demoTerminalConfig.terminalId;
    const answer = rrn === undefined ? undefined : this.connection.answerOf(terminalId, rrn);
    const entry = rrn === undefined ? undefined : await journal.get(rrn);
    return {
      outcome,
      label: labelOf(outcome),
      rrn,
      networkTraceId: answer?.networkTraceId,
      approvalCode: answer?.approvalCode,
      entry,
    };
  }

  /** Presents `networkTraceId` for clearing (for `amountMinor`, or the authorized amount) and closes the day. */
  async clear(networkTraceId: string, amountMinor?: bigint): Promise<DeskResult> {
    return this.desk.closeBusinessDay([{ networkTraceId, amountMinor }]);
  }

  async advanceMs(ms: number): Promise<void> {
    await this.system.clock.advanceMs(ms);
  }

  async close(): Promise<void> {
    await this.terminal.settled();
    for (const shop of this.shops.values()) await shop.terminal.settled();
    await this.connection.close();
    await this.system.close();
    await rm(this.tempDir, { recursive: true, force: true });
  }
}

export function labelOf(outcome: TerminalOutcome): string {
  switch (outcome.kind) {
    case 'APPROVED':
    case 'SEE_PHONE':
      return outcome.kind;
    case 'DECLINED':
      return outcome.reason.source === 'NETWORK'
        ? `DECLINED ${outcome.reason.responseCode}`
        : 'DECLINED by card';
    case 'TRY_AGAIN':
      return `TRY_AGAIN ${outcome.reason}`;
    case 'END_APPLICATION':
      return `END_APPLICATION ${outcome.reason}${outcome.sw === undefined ? '' : ` ${outcome.sw.toString(16)}`}`;
  }
}

/** Milliseconds from `paymentMs` until just after the cancel window ends (00:30 UTC+8 the next day). */
export function msPastCancelWindow(paymentMs: number, nowMs: number): number {
  const offsetMs = 8 * 3_600_000;
  const dayMs = 86_400_000;
  const localDayStartMs = Math.floor((paymentMs + offsetMs) / dayMs) * dayMs;
  const windowEndMs = localDayStartMs + dayMs + 30 * 60_000 - offsetMs;
  return Math.max(0, windowEndMs - nowMs) + 60_000;
}
