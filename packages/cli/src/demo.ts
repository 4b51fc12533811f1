import cliProgress from 'cli-progress';
import {
  clearingEqualFlow,
  clearingHigherFlow,
  clearingLowerFlow,
  clearingWithoutAuthorizationFlow,
  partialReversalFlow,
  preAuthIncrementalFlow,
  refundExceedFlow,
  refundMatchedFlow,
  reversalAfterWindowFlow,
  reversalInWindowFlow,
  unlinkedRefundFlow,
} from './demo/flows-conversion.ts';
import { expiryFlows, fault9901Flow, fault9902Flow, fault9904Flow } from './demo/flows-faults.ts';
import {
  activationFlow,
  cdcvmFlow,
  insufficientFundsFlow,
  lockFlow,
  replenishFlow,
  silentActivationFlow,
  tapFlow,
} from './demo/flows-wallet.ts';
import { SeededRandom } from './demo/prng.ts';
import { formatResultTable } from './demo/table.ts';
import type { FlowResult } from './demo/types.ts';
import { DemoWorld } from './demo/world.ts';

// `tapkit demo`: every flow of the system end to end against a fresh in-process system, with a progress
// bar, a table (flow, expected, observed, ok) and the MPP's ledger invariant check. Exit code 0 only if
// every row and the ledger hold. `--seed N` fixes amounts, ids and unpredictable numbers.

export interface DemoFlow {
  /** Short id for --only and tests. */
  readonly id: string;
  readonly run: (world: DemoWorld) => Promise<FlowResult[]>;
}

const one =
  (run: (world: DemoWorld) => Promise<FlowResult>) =>
  async (world: DemoWorld): Promise<FlowResult[]> => [await run(world)];

/**
 * In order: later flows need the activated phones; the flows that move the clock by a day and by a week
 * come last, so the authorizations of earlier rows are checked before they can expire.
 */
export const DEMO_FLOWS: readonly DemoFlow[] = [
  { id: 'activation', run: one(activationFlow) },
  { id: 'silent-activation', run: one(silentActivationFlow) },
  { id: 'tap', run: one(tapFlow) },
  { id: 'replenish', run: one(replenishFlow) },
  { id: 'lock', run: one(lockFlow) },
  { id: 'cdcvm', run: one(cdcvmFlow) },
  { id: 'insufficient-funds', run: one(insufficientFundsFlow) },
  { id: 'reversal-in-window', run: one(reversalInWindowFlow) },
  { id: 'partial-reversal', run: one(partialReversalFlow) },
  { id: 'clearing-equal', run: one(clearingEqualFlow) },
  { id: 'clearing-lower', run: one(clearingLowerFlow) },
  { id: 'clearing-higher', run: one(clearingHigherFlow) },
  { id: 'clearing-without-authorization', run: one(clearingWithoutAuthorizationFlow) },
  { id: 'pre-auth-incremental', run: one(preAuthIncrementalFlow) },
  { id: 'refund-matched', run: one(refundMatchedFlow) },
  { id: 'refund-exceed', run: one(refundExceedFlow) },
  { id: 'refund-unlinked', run: one(unlinkedRefundFlow) },
  { id: 'fault-9901', run: one(fault9901Flow) },
  { id: 'fault-9902', run: one(fault9902Flow) },
  { id: 'fault-9904', run: one(fault9904Flow) },
  { id: 'reversal-after-window', run: one(reversalAfterWindowFlow) },
  { id: 'expiry', run: expiryFlows },
];

/** (tapkit) The seed when --seed is not given. */
export const DEMO_SEED_DEFAULT = 20_261_125;
/** A flow that takes longer than this (real time) fails with a timeout instead of hanging the demo. */
export const flowTimeoutMs = 45_000;

export interface DemoOptions {
  readonly seed: number;
  readonly fast: boolean;
  /** Flow ids to run (in DEMO_FLOWS order); all when absent. */
  readonly only?: readonly string[];
  /** Shifts one flow's expected balance (by its row name): proves in tests that the table can fail. */
  readonly tamper?: { readonly flow: string; readonly deltaMinor: bigint };
  readonly onFlowStart?: (id: string, index: number, total: number) => void;
}

export interface DemoReport {
  readonly rows: readonly FlowResult[];
  readonly ledger: { readonly ok: boolean; readonly text: string };
  readonly exitCode: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const flows = DEMO_FLOWS.filter((flow) => options.only === undefined || options.only.includes(flow.id));
  const random = new SeededRandom(options.seed);
  let world: DemoWorld;
  try {
    world = await DemoWorld.start({ fast: options.fast, random, tamper: options.tamper });
  } catch (error) {
    const reason = `the system did not start: ${messageOf(error)}`;
    const rows = flows.map((flow) => failedRow(flow.id, reason));
    return { rows, ledger: { ok: false, text: reason }, exitCode: 1 };
  }
  const rows: FlowResult[] = [];
  let ledger: { ok: boolean; text: string } = { ok: false, text: 'not checked' };
  try {
    for (const [index, flow] of flows.entries()) {
      options.onFlowStart?.(flow.id, index, flows.length);
      rows.push(...(await runFlow(flow, world)));
    }
    ledger = await world.invariants().catch((error) => ({ ok: false, text: messageOf(error) }));
  } finally {
    await world.close().catch(() => undefined);
  }
  const allOk = rows.length > 0 && rows.every((row) => row.ok) && ledger.ok;
  return { rows, ledger, exitCode: allOk ? 0 : 1 };
}

async function runFlow(flow: DemoFlow, world: DemoWorld): Promise<FlowResult[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<FlowResult[]>((resolve) => {
    timer = setTimeout(
      () => resolve([failedRow(flow.id, `timed out after ${flowTimeoutMs} ms`)]),
      flowTimeoutMs,
    );
  });
  try {
    return await Promise.race([flow.run(world), timeout]);
  } catch (error) {
    return [failedRow(flow.id, messageOf(error))];
  } finally {
    clearTimeout(timer);
  }
}

function failedRow(flow: string, reason: string): FlowResult {
  return { flow, expected: '(flow completes)', observed: `FAILED: ${reason}`, ok: false };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The command: progress bar on stderr, table and ledger check on stdout; returns the exit code. */
export async function runDemoCommand(options: { seed: number; fast: boolean }): Promise<number> {
  const bar = new cliProgress.SingleBar(
    { format: 'tapkit demo [{bar}] {value}/{total} {flow}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let barStarted = false;
  let flowCount = 0;
  const report = await runDemo({
    ...options,
    onFlowStart: (id, index, total) => {
      if (!barStarted) bar.start(total, 0, { flow: id });
      barStarted = true;
      flowCount = total;
      bar.update(index, { flow: id });
    },
  });
  if (barStarted) {
    bar.update(flowCount, { flow: 'done' });
    bar.stop();
  }
  const failed = report.rows.filter((row) => !row.ok).length;
  console.log(formatResultTable(report.rows));
  console.log(
    `ledger invariants (MPP /admin/v1/ledger/invariants): ${report.ledger.ok ? 'ok' : 'FAIL'} — ${report.ledger.text}`,
  );
  console.log(
    `${report.rows.length - failed}/${report.rows.length} flows ok, seed ${options.seed}, ${
      options.fast ? 'fast' : 'normal'
    } mode, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return report.exitCode;
}
