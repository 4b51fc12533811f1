import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SystemHandle, startSystem } from '../../packages/cli/src/system.ts';
import { ConsoleWatch, DESKTOP, launchChromium, newPage, PHONE, screenshot } from './browser.ts';

// The whole system with a person in front of it: the wallet page (the phone, the card) and the POS page
// (the reader) in two tabs of one browser, talking over the BroadcastChannel; every party behind them
// runs for real on loopback ports (startSystem). Log in, activate, pay, lock, unlock, refund.

const waitMs = 30_000;
/** The pages `npm run test:e2e` just built (vite build apps/wallet-web). */
const webDistDir = fileURLToPath(new URL('../../apps/wallet-web/dist', import.meta.url));
const activationWaitMs = 90_000;

let system: SystemHandle;
let browser: Browser;
let context: BrowserContext;
let wallet: Page;
let pos: Page;
let dataDir: string;
const consoleWatch = new ConsoleWatch();

async function balanceText(page: Page): Promise<string> {
  return (await page.getByTestId('balance-HKD').textContent()) ?? '';
}

async function tap(page: Page, amount: string, expected: string): Promise<string> {
  await page.getByLabel('Amount', { exact: true }).fill(amount);
  await page.getByRole('button', { name: 'Tap', exact: true }).click();
  const headline = page.getByTestId('pos-headline');
  await headline.filter({ hasNotText: /PRESENT CARD|READY/ }).waitFor({ timeout: waitMs });
  const text = (await headline.textContent()) ?? '';
  expect(text, (await page.getByLabel('Terminal display').textContent()) ?? '').toBe(expected);
  return (await page.getByLabel('Terminal display').textContent()) ?? '';
}

describe('wallet and POS in the browser', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tapkit-e2e-'));
    system = await startSystem({
      dataDir,
      fast: true,
      webDistDir,
      ports: { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 },
    });
    browser = await launchChromium();
    context = await browser.newContext();
    wallet = await newPage(context, consoleWatch, 'wallet', PHONE);
    pos = await newPage(context, consoleWatch, 'pos', DESKTOP);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await system?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in, activates, pays, is refused while locked, and gets the money back by refund', async () => {
    const alice = system.demoUsers.find((u) => u.username === 'alice');
    if (alice === undefined) throw new Error('the system has no demo user alice');
    const startBalance = `HKD ${(alice.startHkdMinor / 100n).toString()}.${(alice.startHkdMinor % 100n).toString().padStart(2, '0')}`;

    // Log in.
    await wallet.goto(`${system.urls.web}/`);
    await screenshot(wallet, '01-wallet-login');
    await wallet.getByLabel('Username').fill(alice.username);
    await wallet.getByLabel('Password').fill(alice.password);
    await wallet.getByRole('button', { name: 'Log in' }).click();
    await wallet.getByTestId('balance-HKD').waitFor({ timeout: waitMs });
    expect(await balanceText(wallet)).toBe(startBalance);

    // Activate (fast provisioning): the apply page, the progress page, then the card page.
    await wallet.getByTestId('page-apply').waitFor({ timeout: waitMs });
    await screenshot(wallet, '02-wallet-apply');
    await wallet.getByRole('button', { name: 'Apply' }).click();
    await wallet.getByRole('progressbar', { name: 'Activation progress' }).waitFor({ timeout: waitMs });
    await screenshot(wallet, '03-wallet-activating');
    await wallet.getByTestId('page-card').waitFor({ timeout: activationWaitMs });
    const credentials = Number(await wallet.getByLabel('Credentials left').textContent());
    expect(credentials).toBeGreaterThan(0);
    await screenshot(wallet, '04-wallet-card');

    // Pay 12.34 HKD at the POS tab.
    await pos.goto(`${system.urls.web}/pos.html`);
    await pos.getByLabel('Currency').selectOption('HKD');
    await screenshot(pos, '05-pos-ready');
    const approved = await tap(pos, '12.34', 'APPROVED');
    expect(approved).toContain('HKD 12.34');
    await screenshot(pos, '06-pos-approved');
    await wallet.getByLabel('Tap result').filter({ hasText: 'Paid HKD 12.34' }).waitFor({ timeout: waitMs });
    await expect.poll(() => balanceText(wallet), { timeout: waitMs }).toBe(subtract(startBalance, 1234n));
    expect(Number(await wallet.getByLabel('Credentials left').textContent())).toBe(credentials - 1);
    await screenshot(wallet, '07-wallet-paid');

    // Lock: the card refuses the tap (GET PROCESSING OPTIONS answered 6985), nothing is paid.
    await wallet.getByRole('button', { name: 'Lock card' }).click();
    await wallet.getByTestId('page-locked').waitFor({ timeout: waitMs });
    await screenshot(wallet, '08-wallet-locked');
    const refused = await tap(pos, '5.00', 'CARD ERROR');
    expect(refused).toContain('SW 6985');
    await wallet
      .getByLabel('Tap result')
      .filter({ hasText: '10008 TOKEN_UNAVAILABLE' })
      .waitFor({ timeout: waitMs });
    await screenshot(pos, '09-pos-refused-locked');
    expect(await balanceText(wallet)).toBe(subtract(startBalance, 1234n));

    // Unlock: the card page again.
    await wallet.getByRole('button', { name: 'Unlock card' }).click();
    await wallet.getByTestId('page-card').waitFor({ timeout: waitMs });

    // Refund the purchase from the merchant panel; money moves at clearing (close the day).
    await pos.getByRole('button', { name: 'Refund', exact: true }).click();
    await pos.getByLabel('Panel result').filter({ hasText: 'Refund: APPROVED' }).waitFor({ timeout: waitMs });
    await pos.getByRole('button', { name: 'Close the day' }).click();
    await pos.getByLabel('Panel result').filter({ hasText: 'Day closed' }).waitFor({ timeout: waitMs });
    await screenshot(pos, '10-pos-refunded');
    await expect
      .poll(
        async () => {
          await wallet.getByRole('button', { name: 'Refresh' }).click();
          return balanceText(wallet);
        },
        { timeout: waitMs, interval: 500 },
      )
      .toBe(startBalance);
    await screenshot(wallet, '11-wallet-refunded');

    // The operations view shows the payment's timeline.
    const link = wallet
      .getByRole('region', { name: 'History' })
      .getByRole('link', { name: 'timeline' })
      .first();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/paymentRequestId=/);
    const ops = await newPage(context, consoleWatch, 'ops', DESKTOP);
    await ops.goto(new URL(href ?? '', `${system.urls.web}/`).toString());
    const timeline = ops.getByRole('table', { name: 'Timeline' });
    await timeline.waitFor({ timeout: waitMs });
    for (const party of ['ACQUIRER', 'MASTERCARD', 'ALIPAYPLUS', 'MPP']) {
      expect(await timeline.getByRole('cell', { name: party, exact: true }).count()).toBeGreaterThan(0);
    }
    expect(await ops.getByRole('table', { name: 'Ledger entries' }).getByRole('row').count()).toBeGreaterThan(
      1,
    );
    await screenshot(ops, '12-ops-timeline');

    expect(consoleWatch.problems).toEqual([]);
  });

  it('asks for on-device verification above the no-CVM limit, and takes refunds beyond the purchase', async () => {
    const alice = system.demoUsers.find((u) => u.username === 'alice');
    if (alice === undefined) throw new Error('the system has no demo user alice');
    const start = alice.startHkdMinor;
    expect(await balanceText(wallet)).toBe(hkd(start));

    // 80.00 is above the SDK's no-CVM limit (50.00): SEE PHONE, authenticate on the wallet, tap again.
    await tap(pos, '80.00', 'SEE PHONE');
    await wallet.getByText('Verification needed to pay HKD 80.00').waitFor({ timeout: waitMs });
    await screenshot(wallet, '13-wallet-verify');
    await wallet.getByRole('button', { name: 'Authenticate' }).click();
    await tap(pos, '80.00', 'APPROVED');
    await wallet.getByLabel('Tap result').filter({ hasText: 'Paid HKD 80.00' }).waitFor({ timeout: waitMs });
    await expect.poll(() => balanceText(wallet), { timeout: waitMs }).toBe(hkd(start - 8000n));

    // The merchant panel's own refund stays within the purchase; the page can send more (EXCEED_REFUND)
    // and a refund from the other shop, where the card never paid (UNLINKED_REFUND).
    const panelResult = pos.getByLabel('Panel result');
    await pos.getByLabel('Refund amount').fill('100.00');
    await pos.getByRole('button', { name: 'Refund', exact: true }).click();
    await panelResult.filter({ hasText: 'Refund failed: AMOUNT_INVALID' }).waitFor({ timeout: waitMs });
    await pos.getByRole('button', { name: 'Refund more than paid' }).click();
    await panelResult.filter({ hasText: 'Refund (any amount): APPROVED' }).waitFor({ timeout: waitMs });
    await pos.getByLabel('Refund amount').fill('5.00');
    await pos.getByRole('button', { name: 'Unlinked refund' }).click();
    await panelResult.filter({ hasText: 'Unlinked refund: APPROVED' }).waitFor({ timeout: waitMs });
    await pos.getByRole('button', { name: 'Close the day' }).click();
    await panelResult.filter({ hasText: 'Day closed' }).waitFor({ timeout: waitMs });
    // 80.00 refunded against the purchase, 20.00 excess and 5.00 unlinked credited by adjustRefund.
    await expect
      .poll(
        async () => {
          await wallet.getByRole('button', { name: 'Refresh' }).click();
          return balanceText(wallet);
        },
        { timeout: waitMs, interval: 500 },
      )
      .toBe(hkd(start + 2000n + 500n));

    // Both pages at the other width.
    await pos.setViewportSize(PHONE);
    await screenshot(pos, '14-pos-phone-width');
    await wallet.setViewportSize(DESKTOP);
    await screenshot(wallet, '15-wallet-desktop-width');
    expect(consoleWatch.problems).toEqual([]);
  });

  it('prepares the card in the background, then asks for confirmation', async () => {
    const bob = system.demoUsers.find((u) => u.username === 'bob');
    if (bob === undefined) throw new Error('the system has no demo user bob');
    await wallet.getByRole('button', { name: /Log out/ }).click();
    await wallet.getByLabel('Username').fill(bob.username);
    await wallet.getByLabel('Password').fill(bob.password);
    await wallet.getByRole('button', { name: 'Log in' }).click();
    await wallet.getByTestId('page-apply').waitFor({ timeout: waitMs });
    expect(await balanceText(wallet)).toBe(hkd(bob.startHkdMinor));

    // Silent activation stops at status 11: the confirm page, then the card page.
    await wallet.getByRole('button', { name: 'Prepare in background' }).click();
    await wallet.getByTestId('page-confirm').waitFor({ timeout: activationWaitMs });
    await screenshot(wallet, '16-wallet-confirm');
    await wallet.getByRole('button', { name: 'Confirm' }).click();
    await wallet.getByTestId('page-card').waitFor({ timeout: activationWaitMs });

    // Bob's card pays from Bob's wallet.
    await tap(pos, '3.00', 'APPROVED');
    await expect.poll(() => balanceText(wallet), { timeout: waitMs }).toBe(hkd(bob.startHkdMinor - 300n));
    expect(consoleWatch.problems).toEqual([]);
  });

  it('gives an uncleared authorization back when the clock passes its expiry', async () => {
    const bob = system.demoUsers.find((u) => u.username === 'bob');
    if (bob === undefined) throw new Error('the system has no demo user bob');
    // Close the day first, so only the next tap stays uncleared.
    await pos.getByRole('button', { name: 'Close the day' }).click();
    await pos.getByLabel('Panel result').filter({ hasText: 'Day closed' }).waitFor({ timeout: waitMs });
    await tap(pos, '1.00', 'APPROVED');
    await expect.poll(() => balanceText(wallet), { timeout: waitMs }).toBe(hkd(bob.startHkdMinor - 400n));
    // Eight days later the MPP session has expired too: the app's next request is answered 401 (which the
    // browser logs as a console error) and the app goes back to the login page.
    consoleWatch.allow(/status of 401/);
    await pos.getByLabel('Days').fill('8');
    await pos.getByRole('button', { name: 'Advance clock' }).click();
    await pos
      .getByLabel('Panel result')
      .filter({ hasText: 'Clock advanced by 8 days' })
      .waitFor({ timeout: waitMs });
    await wallet.getByRole('button', { name: 'Refresh' }).click();
    await wallet.getByText('Your session has ended').waitFor({ timeout: waitMs });
    await wallet.getByLabel('Username').fill(bob.username);
    await wallet.getByLabel('Password').fill(bob.password);
    await wallet.getByRole('button', { name: 'Log in' }).click();
    // The authorization expired without clearing: Alipay+ gave it back (the 1.00 returns).
    await expect
      .poll(
        async () => {
          await wallet.getByRole('button', { name: 'Refresh' }).click();
          return balanceText(wallet);
        },
        { timeout: waitMs, interval: 500 },
      )
      .toBe(hkd(bob.startHkdMinor - 300n));
    await screenshot(wallet, '17-wallet-after-expiry');
    expect(consoleWatch.problems).toEqual([]);
  });
});

function hkd(minor: bigint): string {
  return `HKD ${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;
}

/** "HKD 1000.00" minus minor units, formatted the same way. */
function subtract(text: string, minor: bigint): string {
  const [currency, amount] = text.split(' ');
  const value = BigInt((amount ?? '0').replace('.', '')) - minor;
  return `${currency} ${value / 100n}.${(value % 100n).toString().padStart(2, '0')}`;
}
