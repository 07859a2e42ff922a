import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it). Never a downloaded browser. */
export const CHROMIUM = process.env.AGENTCRON_CHROMIUM ?? "/usr/bin/chromium";

/** Where the console's screenshots are kept as test artifacts (gitignored). */
export const SCREENSHOTS = join(process.cwd(), "test-results", "console");

export interface TestBrowser {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Saves a full-page screenshot as test-results/console/NAME.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Chromium, headless, with a fresh profile and everything that would reach the network on its own
 * (updates, sync, QUIC probes) turned off: the tests talk to 127.0.0.1 only.
 * @throws Error saying how to install Chromium when it is missing.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (.ci/run does), or point AGENTCRON_CHROMIUM at one`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "agentcron-chromium-"));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Playwright's own default is 30 s per click, fill or navigation: a fixed instant on a busy
  // 2-core machine with a runtime, its turns and Chromium sharing it. A limit is for a hang only.
  context.setDefaultTimeout(120_000);
  context.setDefaultNavigationTimeout(120_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    screenshot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
