// runConformance: plays Alipay+ against any MPP server over HTTP and returns one row per scenario, plus a
// last row that counts answers which came back unsigned or badly signed (a client must treat those as
// unknown, and a conforming MPP never sends one).
import type { KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '@tapkit/protocol';
import { loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import { ConformanceContext, newRunId, type ResolvedOptions } from './context.ts';
import type { ScenarioResult } from './report.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import { scenarioId, selectScenarios } from './selection.ts';
import { adminApiSetup, type ConformanceSetup } from './setup.ts';

export interface ConformanceOptions {
  mppUrl: string;
  /** The Client-Id Alipay+ uses with this MPP. */
  clientId: string;
  /** Alipay+'s private key: a KeyObject, or PEM / bare base64 text. */
  alipayPlusPrivateKey: KeyObject | string;
  keyVersion: string;
  /** The MPP's public key (one), or its keys by keyVersion. */
  mppPublicKey: KeyObject | string | ReadonlyMap<string, KeyObject>;
  /** Tapkit's admin API; defaults to mppUrl when only adminToken is given. */
  adminUrl?: string;
  adminToken?: string;
  /** Customers and balances by other means (an MPP without Tapkit's admin API). */
  setup?: ConformanceSetup;
  /** Wallet and payment currency; HKD by default (a two-decimal currency). */
  currency?: string;
  acquirerId?: string;
  pspId?: string;
  /** Distance of the stale / future Request-Time probes; 15 minutes by default. */
  freshnessProbeMs?: number;
  /** Run only these scenarios: ids, full names or "prefix-*" (selection.ts); all when absent or empty. */
  only?: readonly string[];
  /** Leave these out (same forms as `only`). A selector that names no scenario is an error. */
  skip?: readonly string[];
  /** Called as each scenario finishes (progress), with how many are done out of how many. */
  onResult?: (result: ScenarioResult, done: number, total: number) => void;
  /** Times the scenarios; the system clock unless given. */
  clock?: Pick<Clock, 'nowMs'>;
}

/** --only / --skip named no scenario: a usage error, nothing ran. */
export class ConformanceSelectionError extends Error {
  override readonly name = 'ConformanceSelectionError';
}

export const CURRENCY_DEFAULT = 'HKD';

export const FRESHNESS_PROBE_MS_DEFAULT = 15 * 60_000;
export const ALL_ANSWERS_SIGNED = 'every answer signed by the MPP key';

/** The scenarios a run with these options would play, and those it leaves out. */
export function chosenScenarios(options: Pick<ConformanceOptions, 'only' | 'skip'>) {
  const selection = selectScenarios(SCENARIOS, options.only ?? [], options.skip ?? []);
  if (!selection.ok) throw new ConformanceSelectionError(selection.error.message);
  return selection.value;
}

export async function runConformance(options: ConformanceOptions): Promise<ScenarioResult[]> {
  const { chosen } = chosenScenarios(options);
  const resolved = resolve(options);
  const setup = options.setup ?? adminSetup(options);
  const ctx = new ConformanceContext(resolved, setup);
  const clock = options.clock ?? systemClock;
  const rows: ScenarioResult[] = [];
  // The signed-answers row comes last and counts too.
  const total = chosen.length + 1;
  try {
    for (const scenario of chosen) {
      rows.push(await runOne(ctx, scenario, clock));
      options.onResult?.(rows.at(-1)!, rows.length, total);
    }
    rows.push({
      id: scenarioId(ALL_ANSWERS_SIGNED),
      durationMs: 0,
      scenario: ALL_ANSWERS_SIGNED,
      expected: '0 unsigned or badly signed',
      observed:
        ctx.unsignedAnswers.length === 0
          ? '0 unsigned or badly signed'
          : ctx.unsignedAnswers.slice(0, 5).join('; '),
      pass: ctx.unsignedAnswers.length === 0,
    });
    options.onResult?.(rows.at(-1)!, rows.length, total);
  } finally {
    await ctx.close();
    if (options.setup === undefined) await setup.close?.();
  }
  return rows;
}

async function runOne(
  ctx: ConformanceContext,
  scenario: Scenario,
  clock: Pick<Clock, 'nowMs'>,
): Promise<ScenarioResult> {
  const startedAtMs = clock.nowMs();
  const id = scenarioId(scenario.name);
  try {
    const { expected, observed } = await scenario.run(ctx);
    const pass = expected.length === observed.length && expected.every((fact, i) => fact === observed[i]);
    const durationMs = clock.nowMs() - startedAtMs;
    return {
      id,
      scenario: scenario.name,
      expected: expected.join('; '),
      observed: observed.join('; '),
      pass,
      durationMs,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      id,
      scenario: scenario.name,
      expected: '(scenario completes)',
      observed: `error: ${message}`,
      pass: false,
      durationMs: clock.nowMs() - startedAtMs,
      error: message,
    };
  }
}

function adminSetup(options: ConformanceOptions): ConformanceSetup {
  if (options.adminToken === undefined || options.adminToken === '') {
    throw new Error('runConformance: give adminToken (Tapkit admin API) or a setup hook');
  }
  return adminApiSetup(options.adminUrl ?? options.mppUrl, options.adminToken);
}

function resolve(options: ConformanceOptions): ResolvedOptions {
  const signingKey =
    typeof options.alipayPlusPrivateKey === 'string'
      ? unwrap(loadPrivateKey(options.alipayPlusPrivateKey), 'alipayPlusPrivateKey')
      : options.alipayPlusPrivateKey;
  let mppVerifyKeys: ReadonlyMap<string, KeyObject>;
  if (options.mppPublicKey instanceof Map) mppVerifyKeys = options.mppPublicKey;
  else {
    const key =
      typeof options.mppPublicKey === 'string'
        ? unwrap(loadPublicKey(options.mppPublicKey), 'mppPublicKey')
        : (options.mppPublicKey as KeyObject);
    // The MPP's keyVersion is not known here; accept its signature under whatever version it names.
    mppVerifyKeys = new AnyVersion(key);
  }
  return {
    mppUrl: options.mppUrl,
    clientId: options.clientId,
    signingKey,
    keyVersion: options.keyVersion,
    mppVerifyKeys,
    currency: options.currency ?? CURRENCY_DEFAULT,
    acquirerId: options.acquirerId ?? 'TAPKIT_CONFORMANCE',
    pspId: options.pspId ?? 'TAPKIT_CONFORMANCE',
    freshnessProbeMs: options.freshnessProbeMs ?? FRESHNESS_PROBE_MS_DEFAULT,
    runId: newRunId(),
  };
}

/** A key map that answers every keyVersion with the one key it was given. */
class AnyVersion extends Map<string, KeyObject> {
  constructor(private readonly key: KeyObject) {
    super();
  }
  override get(): KeyObject {
    return this.key;
  }
  override has(): boolean {
    return true;
  }
}

function unwrap<T>(
  loaded: { ok: true; value: T } | { ok: false; error: { code: string; message: string } },
  name: string,
): T {
  if (!loaded.ok) throw new Error(`${name}: ${loaded.error.code} ${loaded.error.message}`);
  return loaded.value;
}
