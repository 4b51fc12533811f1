// `npm run bench -- tap [--taps 200] [--card-taps 200] [--warmup 20]`: the cost of a tap.
// - cardMsPerTap: the SDK answering every APDU of one tap (SELECT PPSE, SELECT AID, GPO, READ RECORD,
//   GENERATE AC), in process, with a provisioned token on the SDK's Node file storage (every GENERATE AC
//   persists the spent credential durably before answering). The commands are the ones a real terminal
//   sent in a real tap, replayed; credentials are replenished between taps, outside the measurement.
// - tapToResultMs: from the first APDU the terminal sends to the terminal's outcome, with the 0100 going
//   over TCP to the Mastercard network, the Alipay+ issuer processor and the MPP (signed HTTP), every
//   party on loopback in this process (startSystem), auto-replenish on.
// Writes bench/results/tap.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NodeFileSecureStorage } from '@tapkit/sdk/node';
import { DEMO_USERS, type RunningSystem, startSystem } from '../packages/cli/src/system.ts';
import { MppAdmin, Shop, WalletApp } from '../tests/system/harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const tapsMax = 100_000;
const tapAmountMinor = 100n;
/**
 * The card phase replenishes by hand, in batches this large: the SDK's default. (The token service
 * allows 100, but a REPLENISH answer of 100 credentials is longer than the 32,768 characters the MPP's
 * NFC proxy accepts in an SDK body, JSON_STRING_CHARS_MAX, so it is refused on the way back.)
 */
const cardReplenishBatchSize = 20;
/** SW 90 00: the card answered the command. */
const swOk = [0x90, 0x00] as const;

interface Options {
  taps: number;
  cardTaps: number;
  warmup: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      taps: { type: 'string', default: '200' },
      'card-taps': { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
    },
  });
  const count = (text: string, name: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > tapsMax) {
      throw new RangeError(`--${name} must be an integer in 1..${tapsMax}`);
    }
    return value;
  };
  return {
    taps: count(values.taps, 'taps'),
    cardTaps: count(values['card-taps'], 'card-taps'),
    warmup: count(values.warmup, 'warmup'),
  };
}

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil(fraction * sortedMs.length) - 1));
  return round(sortedMs[index] ?? 0);
}

/** How many of the slowest taps the result lists, with the card's share of each. */
const slowestShown = 5;

function slowest(samplesMs: readonly number[], cardMs: readonly number[], count: number) {
  return samplesMs
    .map((ms, tap) => ({ tap, ms: round(ms), cardMs: round(cardMs[tap] ?? 0) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : round(values.reduce((sum, v) => sum + v, 0) / values.length);

function summarize(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    mean: mean(sorted),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  };
}

/** A phone of a demo user with the SDK on Node file storage, logged in, connected and activated. */
async function activatedPhone(
  system: RunningSystem,
  username: string,
  storageDir: string,
  config: { replenishThreshold?: number; replenishBatchSize?: number } = {},
): Promise<WalletApp> {
  const user = DEMO_USERS.find((u) => u.username === username);
  if (user === undefined) throw new Error(`no demo user ${username}`);
  const phone = new WalletApp({
    mppUrl: system.urls.mpp,
    user,
    storage: new NodeFileSecureStorage(storageDir),
    clock: system.clock,
    deviceName: `bench-${username}`,
    // Activation polling comes from the Ant server's nfc_issue_config (it wins over local values).
    config,
  });
  await phone.start();
  const status = await phone.sdk.activatePayment({ silentActivate: false, doConfirm: false });
  if (status !== 2) throw new Error(`activation of ${username} ended in status ${status}`);
  return phone;
}

/** The SDK alone: a real tap's commands replayed into processApdu, `count` times. */
async function measureCard(system: RunningSystem, shop: Shop, storageDir: string, count: number) {
  const phone = await activatedPhone(system, 'bob', storageDir, {
    replenishThreshold: 0,
    replenishBatchSize: cardReplenishBatchSize,
  });
  const captured = await shop.tap(phone, tapAmountMinor);
  if (captured.outcome.kind !== 'APPROVED') throw new Error(`the capture tap was ${captured.label}`);
  const samplesMs: number[] = [];
  for (let tap = 0; tap < count; tap++) {
    if (phone.sdk.credentialsRemaining() === 0) await phone.sdk.replenish();
    let last: Uint8Array = new Uint8Array(0);
    const startedMs = performance.now();
    for (const command of captured.commands) last = await phone.sdk.processApdu(command);
    samplesMs.push(performance.now() - startedMs);
    phone.sdk.onDeactivated();
    if (last.at(-2) !== swOk[0] || last.at(-1) !== swOk[1]) {
      throw new Error(`GENERATE AC of card tap ${tap} did not answer 9000`);
    }
  }
  const arqcs = phone.events.completions.filter((c) => c.cryptogram === 'ARQC').length;
  return { samplesMs, apdusPerTap: captured.commands.length, arqcs: arqcs - 1 };
}

/** Whole taps through the network on one phone, auto-replenish on. */
async function measureTaps(system: RunningSystem, shop: Shop, storageDir: string, options: Options) {
  const phone = await activatedPhone(system, 'alice', storageDir);
  const admin = new MppAdmin(system);
  const neededMinor = BigInt(options.taps + options.warmup) * tapAmountMinor;
  await admin.topUp(phone.user.customerId, neededMinor, `bench-tap-${Date.now().toString(36)}`);
  for (let tap = 0; tap < options.warmup; tap++) await shop.tap(phone, tapAmountMinor);
  const afterWarmup = await admin.balanceMinor(phone.user.customerId);
  const samplesMs: number[] = [];
  const cardMs: number[] = [];
  // Taps during which the auto-replenish ran (it starts right after GENERATE AC, in the background).
  const replenishTapSamplesMs: number[] = [];
  const plainTapSamplesMs: number[] = [];
  const outcomes = new Map<string, number>();
  const replenishCount = () => phone.events.monitor.filter((e) => e.id === 'EVENT_REPLENISH').length;
  const stalls = watchStalls();
  for (let tap = 0; tap < options.taps; tap++) {
    const replenishesBefore = replenishCount();
    const result = await shop.tap(phone, tapAmountMinor);
    samplesMs.push(result.firstApduToOutcomeMs);
    cardMs.push(result.cardMs);
    const replenished = replenishCount() > replenishesBefore;
    (replenished ? replenishTapSamplesMs : plainTapSamplesMs).push(result.firstApduToOutcomeMs);
    outcomes.set(result.label, (outcomes.get(result.label) ?? 0) + 1);
  }
  const stalled = stalls.stop();
  const approved = outcomes.get('APPROVED') ?? 0;
  const debitedMinor = afterWarmup - (await admin.balanceMinor(phone.user.customerId));
  if (debitedMinor !== BigInt(approved) * tapAmountMinor) {
    throw new Error(`the wallet was debited ${debitedMinor} for ${approved} approved taps`);
  }
  return {
    samplesMs,
    cardMs,
    replenishTapSamplesMs,
    plainTapSamplesMs,
    approved,
    outcomes: Object.fromEntries(outcomes),
    debitedMinor,
    stalled,
  };
}

/**
 * What holds the event loop while the taps run (every party, the phone and the terminal share it): the
 * loop's own delay (anything synchronous: SQLite commits and their fsync, RSA on the loop, JSON) and the
 * garbage collector's pauses.
 */
function watchStalls() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const gcPausesMs: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPausesMs.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  delay.enable();
  const cpuBefore = process.cpuUsage();
  const wallStartMs = performance.now();
  return {
    stop() {
      const cpu = process.cpuUsage(cpuBefore);
      const wallMs = performance.now() - wallStartMs;
      delay.disable();
      observer.disconnect();
      const nsToMs = (ns: number) => round(ns / 1e6);
      return {
        eventLoopDelayMs: {
          p50: nsToMs(delay.percentile(50)),
          p99: nsToMs(delay.percentile(99)),
          max: nsToMs(delay.max),
        },
        // CPU time of this process (every party) against the wall time of the taps: what is left is
        // waiting on the disk (fsync), the threadpool, or a core taken by another process.
        processCpuMs: round((cpu.user + cpu.system) / 1000),
        wallMs: round(wallMs),
        gcPauses: {
          count: gcPausesMs.length,
          totalMs: round(gcPausesMs.reduce((sum, ms) => sum + ms, 0)),
          maxMs: round(Math.max(0, ...gcPausesMs)),
        },
      };
    },
  };
}

export async function run(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const dir = mkdtempSync(join(tmpdir(), 'tapkit-bench-tap-'));
  const system = await startSystem({
    dataDir: join(dir, 'data'),
    provisioningDelayMs: 0,
    ports: { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 },
    webDistDir: join(dir, 'no-dist'),
  });
  const shop = new Shop(system, system.clock);
  try {
    // Every party shares this process's event loop with the phone and the terminal, so whatever else
    // runs on the machine shows in the figures: the load average is recorded with them.
    const loadBefore = loadavg()[0] ?? 0;
    const card = await measureCard(system, shop, join(dir, 'card-phone'), options.cardTaps);
    const taps = await measureTaps(system, shop, join(dir, 'tap-phone'), options);
    report(options, card, taps, [loadBefore, loadavg()[0] ?? 0]);
  } finally {
    await shop.close();
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  options: Options,
  card: Awaited<ReturnType<typeof measureCard>>,
  taps: Awaited<ReturnType<typeof measureTaps>>,
  loadAverage1m: readonly [number, number],
): void {
  const cardStats = summarize(card.samplesMs);
  const tapStats = summarize(taps.samplesMs);
  const result = {
    benchmark: 'tap',
    taps: options.taps,
    approved: taps.approved,
    cardMsPerTap: cardStats.mean,
    cardMsPerTapP99: cardStats.p99,
    tapToResultMsP50: tapStats.p50,
    tapToResultMsP99: tapStats.p99,
    targets: { cardMsPerTap: 5, tapToResultMsP99: 100 },
    card: {
      taps: options.cardTaps,
      arqcs: card.arqcs,
      apdusPerTap: card.apdusPerTap,
      storage:
        'NodeFileSecureStorage (AES-GCM records, one file per record; temp file + fsync + rename + directory fsync per write)',
      what: 'processApdu for every command of a real tap, replayed in process; replenish outside the timing',
      ms: cardStats,
    },
    tapToResult: {
      what: 'first APDU to terminal outcome: SDK in process, 0100 over TCP to the network, Alipay+ issuer (TCP), MPP pay (signed HTTP), all on loopback',
      warmupTaps: options.warmup,
      outcomes: taps.outcomes,
      debitedMinor: taps.debitedMinor.toString(),
      ms: tapStats,
      tapsWithReplenish: taps.replenishTapSamplesMs.length,
      msTapsWithReplenish: summarize(taps.replenishTapSamplesMs),
      msTapsWithoutReplenish: summarize(taps.plainTapSamplesMs),
      cardMsInsideTaps: summarize(taps.cardMs),
      stalls: taps.stalled,
      slowestTaps: slowest(taps.samplesMs, taps.cardMs, slowestShown),
    },
    measuredAt: new Date().toISOString(),
    node: process.version,
    cores: availableParallelism(),
    loadAverage1m: { before: round(loadAverage1m[0]), after: round(loadAverage1m[1]) },
  };
  const out = join(here, 'results', 'tap.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
