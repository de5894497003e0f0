/**
 * Debian's chromium driven by playwright-core, the way CI has it: headless, no sandbox
 * (root), no background networking. Every request a page makes is recorded so a test can
 * assert that nothing left the box's own origin. Screenshots go to test-artifacts/ui/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';
export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/ui', import.meta.url));

export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Video must start without a click in tests (a user's click does this in real use).
  '--autoplay-policy=no-user-gesture-required',
];

export interface UiBrowser {
  browser: Browser;
  /** A fresh context (own cookies) with request recording; `origin` is the Hearth URL. */
  newPage(origin: string, options?: { viewport?: { width: number; height: number } }): Promise<RecordedPage>;
  close(): Promise<void>;
}

export interface RecordedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page asked for, in order. */
  requests: string[];
  /** Requests to any origin other than Hearth's (must stay empty). */
  foreign(): string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  screenshot(name: string): Promise<string>;
}

export async function launchBrowser(): Promise<UiBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags, headless: true, timeout: 60_000 });
  return {
    browser,
    async newPage(origin, options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: 'dark' });
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      const own = new URL(origin).origin;
      context.on('request', (request) => requests.push(request.url()));
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      return {
        page,
        context,
        requests,
        errors,
        foreign: () => requests.filter((url) => !url.startsWith('blob:') && !url.startsWith('data:') && new URL(url).origin !== own),
        async screenshot(name) {
          mkdirSync(artifactsDir, { recursive: true });
          const file = path.join(artifactsDir, `${name}.png`);
          await page.screenshot({ path: file, fullPage: false });
          return file;
        },
      };
    },
    close: () => browser.close(),
  };
}

/** Logs in through the real form. */
export async function loginThroughForm(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(base + '/', { waitUntil: 'domcontentloaded' });
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/login'), { timeout: 15_000 }), page.click('button[type=submit]')]);
  await page.waitForSelector('nav.topnav', { timeout: 15_000 });
}
