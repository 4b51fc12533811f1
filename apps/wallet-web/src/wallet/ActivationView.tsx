import type { ActivationProgress } from '@tapkit/sdk';
import { useEffect, useState } from 'react';
import { phaseWords } from '../shared/words.ts';
import { Page } from './Page.tsx';

// The progress page while an activation runs: the bar, the step in words, the steps done and to come,
// and an estimate of the time left from the pace so far.

/** The phases in the order the SDK runs them (activation.ts). */
const PHASE_ORDER = [
  'REGISTER_DEVICE',
  'APPLY_TOKEN',
  'WAIT_APPROVAL',
  'PROVISION',
  'STORE',
  'NOTIFY_RESULT',
] as const;
/** Below this, the pace says nothing yet. */
const estimatePercentMin = 5;
const estimateElapsedMsMin = 1_000;
const tickMs = 1_000;

/**
 * The time left in words, from the pace so far (elapsed / percent): "About 20 seconds left", or
 * "Working out the time left…" before there is a pace to go by.
 */
export function timeLeftText(startedAtMs: number, nowMs: number, percent: number): string {
  if (percent >= 100) return 'Done';
  const elapsedMs = Math.max(0, nowMs - startedAtMs);
  if (percent < estimatePercentMin || elapsedMs < estimateElapsedMsMin) return 'Working out the time left…';
  const leftS = Math.ceil((elapsedMs * (100 - percent)) / percent / 1_000);
  if (leftS <= 2) return 'Almost done';
  if (leftS < 60) return `About ${leftS} seconds left`;
  const minutes = Math.round(leftS / 60);
  return `About ${minutes} minute${minutes === 1 ? '' : 's'} left`;
}

export function ActivationView(props: {
  progress: ActivationProgress;
  startedAtMs: number;
  now?: () => number;
}) {
  const { progress, startedAtMs, now = Date.now } = props;
  const [nowMs, setNowMs] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setNowMs(now()), tickMs);
    return () => clearInterval(timer);
  }, [now]);
  const current = PHASE_ORDER.indexOf(progress.phase as (typeof PHASE_ORDER)[number]);
  return (
    <Page testId="page-progress" title="Activating your card">
      <progress aria-label="Activation progress" max={100} value={progress.percent} />
      <p aria-live="polite">
        <strong data-testid="activation-phase">{phaseWords(progress.phase)}</strong> · {progress.percent}%
        <br />
        <span data-testid="activation-time-left">
          {timeLeftText(startedAtMs, Math.max(nowMs, now()), progress.percent)}
        </span>
      </p>
      <ol className="steps" aria-label="Activation steps">
        {PHASE_ORDER.map((phase, index) => (
          <li key={phase} className={index < current ? 'done' : index === current ? 'current' : 'todo'}>
            {phaseWords(phase)}
          </li>
        ))}
      </ol>
    </Page>
  );
}
