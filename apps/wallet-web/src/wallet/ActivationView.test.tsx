// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivationView, timeLeftText } from './ActivationView.tsx';
import { NfcPage } from './nfc-pages.tsx';

// The activation progress page: the bar at the SDK's percent, the phase named for people, the steps done
// and to come, and the time left estimated from the pace so far (on a clock the test sets).

afterEach(cleanup);

describe('time left', () => {
  it('waits for a pace before it estimates', () => {
    expect(timeLeftText(0, 500, 40)).toBe('Working out the time left…');
    expect(timeLeftText(0, 10_000, 2)).toBe('Working out the time left…');
  });

  it('estimates from the pace so far', () => {
    expect(timeLeftText(0, 10_000, 50)).toBe('About 10 seconds left');
    expect(timeLeftText(0, 60_000, 25)).toBe('About 3 minutes left');
    expect(timeLeftText(0, 30_000, 97)).toBe('Almost done');
    expect(timeLeftText(0, 30_000, 100)).toBe('Done');
  });
});

describe('activation progress page', () => {
  it('shows the bar, the phase in words, the steps and the time left', () => {
    render(
      <ActivationView
        progress={{ phase: 'WAIT_APPROVAL', percent: 40 }}
        startedAtMs={1_000}
        now={() => 9_000}
      />,
    );
    const bar = screen.getByRole('progressbar', { name: 'Activation progress' }) as HTMLProgressElement;
    expect(bar.value).toBe(40);
    expect(screen.getByTestId('activation-phase').textContent).toBe('Waiting for your bank to approve');
    expect(screen.getByTestId('activation-time-left').textContent).toBe('About 12 seconds left');
    const steps = screen.getAllByRole('listitem');
    expect(steps.map((s) => s.className)).toEqual(['done', 'done', 'current', 'todo', 'todo', 'todo']);
    expect(steps[0]?.textContent).toBe('Registering this phone');
    expect(screen.queryByText(/wait approval|WAIT_APPROVAL/)).toBeNull();
  });

  it('is the page NfcPage shows while an activation runs', () => {
    render(
      <NfcPage
        view={{ kind: 'ACTIVATING', progress: { phase: 'PROVISION', percent: 70 }, startedAtMs: Date.now() }}
        actions={{} as never}
        credentials={undefined}
        authAmount={undefined}
      />,
    );
    expect(screen.getByTestId('page-progress')).toBeTruthy();
    expect(screen.getByTestId('activation-phase').textContent).toBe('Receiving your card');
  });
});
