import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

// Chromium for the end-to-end tests: the Debian package (CI installs it with apt-get), never a browser
// downloaded by Playwright. Every page's console errors and uncaught exceptions are collected, so a test
// can fail on any of them.

export const CHROMIUM_PATH = process.env.TAPKIT_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'e2e');

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 900 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export class ConsoleWatch {
  readonly problems: string[] = [];
  private readonly allowed: RegExp[] = [];

  /**
   * Errors a step expects (the browser logs every 4xx answer as a console error), matched against the
   * message and the URL it is about; say why at the call.
   */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  watch(page: Page, name: string): Page {
    page.on('console', (message) => {
      // A failed request's message does not name the URL; its location does.
      const text = `${message.text()} ${message.location().url}`;
      if (message.type() !== 'error' || this.allowed.some((p) => p.test(text))) return;
      this.problems.push(`${name} console.error: ${text}`);
    });
    page.on('pageerror', (error) => this.problems.push(`${name} uncaught: ${error.message}`));
    return page;
  }
}

export async function newPage(
  context: BrowserContext,
  watch: ConsoleWatch,
  name: string,
  viewport: { width: number; height: number },
): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  return watch.watch(page, name);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** Whether the page fits its viewport's width: nothing scrolls sideways (tables scroll inside their card). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}
