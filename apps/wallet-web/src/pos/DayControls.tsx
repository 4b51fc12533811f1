import { useState } from 'react';
import { advanceClock, closeDay } from '../shared/system.ts';
import type { Act, Display } from './display.ts';

// The system's day close (clearing) and clock, each with a line on what it does: a new user has no way
// to guess that money moves only at clearing, or why one would move the clock.

const dayMs = 24 * 60 * 60 * 1000;
const daysMax = 60;

export function DayControls({
  busy,
  act,
  onClockMoved,
}: {
  busy: boolean;
  act: Act;
  onClockMoved: () => Promise<void>;
}) {
  const [days, setDays] = useState('8');
  const close = () =>
    act(async () => {
      const result = await closeDay();
      return result.ok
        ? { headline: 'Day closed', detail: summarize(result.value), tone: 'ok' }
        : {
            headline: 'Close day failed',
            detail: result.error.message,
            code: result.error.code,
            tone: 'bad',
          };
    });
  const advance = () =>
    act(async (): Promise<Display> => {
      const count = Number(days);
      if (!Number.isInteger(count) || count < 1 || count > daysMax)
        return { headline: 'Not moved', detail: `Days: a whole number from 1 to ${daysMax}`, tone: 'bad' };
      const result = await advanceClock(count * dayMs);
      await onClockMoved();
      return result.ok
        ? { headline: 'Clock advanced', detail: `by ${count} days`, tone: 'ok' }
        : { headline: 'Advance failed', detail: result.error.message, code: result.error.code, tone: 'bad' };
    });
  return (
    <fieldset className="stack">
      <legend>Day and clock</legend>
      <div className="row wrap">
        <button type="button" disabled={busy} onClick={() => void close()} aria-describedby="close-day-help">
          Close the day
        </button>
      </div>
      <p className="hint" id="close-day-help">
        Sends the day’s approved sales and refunds to the network for clearing. Money moves between the wallet
        and the shop only then; until then a sale is an authorization that holds the money.
      </p>
      <div className="row wrap">
        <label>
          Days
          <input
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            aria-describedby="advance-help"
          />
        </label>
        <button type="button" disabled={busy} onClick={() => void advance()} aria-describedby="advance-help">
          Advance clock
        </button>
      </div>
      <p className="hint" id="advance-help">
        Moves the whole system’s clock forward by that many days, to see what time does: a sale never cleared
        expires after 7 days and its money goes back to the wallet, and login sessions end.
      </p>
    </fieldset>
  );
}

/** The close-day answer in one line: the business day and what was presented or refused. */
function summarize(value: unknown): string {
  const result = (typeof value === 'object' && value !== null ? value : {}) as {
    businessDay?: unknown;
    presented?: unknown;
    refused?: unknown;
  };
  const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
  return `${String(result.businessDay ?? '')}, ${count(result.presented)} presented, ${count(result.refused)} refused`;
}
