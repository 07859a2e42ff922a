import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REJECTION_ATTRIBUTES } from "#adapters/sqs/dead-letters.ts";
import { readRuntimeState } from "#local/runtime-state.ts";
import { type LoopbackServer, startLoopbackServer } from "#test/support/agents/loopback-server.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { CLI_BIN, runAgentcron } from "./support/cli.ts";

// The operator console in a real browser (Debian's Chromium driven by playwright-core), against
// `npm start` as a user runs it: the URL it prints, its jobs, runs and dead letters. Screenshots of
// every page go to test-results/console/.

const directory = mkdtempSync(join(tmpdir(), "agentcron-console-e2e-"));
const children: ChildProcess[] = [];
let runtime: Started;
let consoleUrl: string;
let browser: TestBrowser;
let silentMcpServer: LoopbackServer;

/** A process started in its own group, with its output collected. */
interface Started {
  readonly child: ChildProcess;
  output(): string;
}

function startInGroup(args: string[]): Started {
  let output = "";
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  children.push(child);
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
  }
  return { child, output: () => output };
}

const urlPrinted = (started: Started, prefix: string) =>
  new RegExp(`${prefix}(http://127\\.0\\.0\\.1:\\d+/\\?token=[A-Za-z0-9_-]+)`).exec(started.output())?.[1];

const exited = (child: ChildProcess) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

beforeAll(async () => {
  silentMcpServer = await startLoopbackServer(() => "hang");
  const jobsFile = join(directory, "jobs.json");
  const demo = (id: string, options: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    schedule: "rate(1 hour)",
    agent: { harness: "demo", prompt: `Work for ${id}`, options },
    timeouts: { agentTurnSeconds: 60 },
    ...extra,
  });
  writeFileSync(
    jobsFile,
    JSON.stringify({
      jobs: [
        demo(
          "slow-ok",
          { output: "Report written for {jobId}.", delayMs: 5000 },
          {
            description: "Takes five seconds, then succeeds.",
          },
        ),
        demo(
          "needs-search",
          { output: "never" },
          {
            plugins: [
              {
                name: "search",
                type: "mcp",
                options: { transport: "streamable-http", url: `${silentMcpServer.url}/mcp` },
                timeoutSeconds: 2,
              },
            ],
          },
        ),
        demo("pausable", { output: "ok" }),
      ],
    }),
  );
  runtime = startInGroup([
    "--import",
    "tsx",
    "local/start.ts",
    "--plain",
    "--in-memory",
    "--state-dir",
    directory,
    "--jobs",
    jobsFile,
  ]);
  await waitUntil(
    () => urlPrinted(runtime, "agentcron: console ") !== undefined,
    200_000, // npm, tsx and DynamoDB Local (up to 120 s on its own on a busy machine)
    "npm start to print the console's URL",
  );
  consoleUrl = urlPrinted(runtime, "agentcron: console ") ?? "";
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const child of children) {
    if (child.pid && isProcessRunning(child.pid)) signalProcess(-child.pid, "SIGINT");
  }
  await Promise.all(
    children.map(async (child) => {
      const stopped = await Promise.race([
        exited(child),
        new Promise((resolve) => setTimeout(() => resolve("late"), 30_000)),
      ]);
      if (stopped === "late" && child.pid) signalProcess(-child.pid, "SIGKILL");
    }),
  );
  await silentMcpServer?.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Waits, without reloading, until the run page's status line says `text`. */
async function statusSays(text: string, timeoutMs = 90_000): Promise<void> {
  await browser.page.locator(".run-status", { hasText: text }).waitFor({ timeout: timeoutMs });
}

/** Counts the page's own navigations (a reload or a link followed) from now on. */
function countNavigations(): () => number {
  let count = 0;
  browser.page.on("framenavigated", (frame) => {
    if (frame === browser.page.mainFrame()) count++;
  });
  return () => count;
}

describe("the operator console in a browser", () => {
  it("opens from the URL npm start printed: the token becomes an HttpOnly, SameSite=Strict cookie and leaves the address", async () => {
    const { page, context } = browser;
    const origin = new URL(consoleUrl).origin;

    await page.goto(consoleUrl);

    expect(page.url()).toBe(`${origin}/`);
    const cookies = await context.cookies(origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const jobs = page.getByRole("table", { name: /Jobs, with their health/ });
    for (const jobId of ["slow-ok", "needs-search", "pausable"]) {
      await jobs.getByRole("link", { name: jobId, exact: true }).waitFor();
    }
    expect(await jobs.textContent()).toContain("Every hour");
    // The first Tab stop is the skip link: the page is usable from the keyboard.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    await browser.screenshot("jobs");
  });

  it('"Run now" makes a run appear, and its page follows it live to its end without a reload', async () => {
    const { page } = browser;
    await page.goto(new URL("/jobs/slow-ok", consoleUrl).href);
    await browser.screenshot("job");

    await page.getByRole("button", { name: "Run now" }).click();
    await page.waitForURL(/\/runs\/[0-9A-Z]{26}\?notice=/, { timeout: 90_000 });
    const navigations = countNavigations();
    const runId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const first = await page.locator(".run-status").textContent();
    await statusSays("running");
    await browser.screenshot("run-live");
    await statusSays("succeeded");

    expect(first).toMatch(/queued|running/);
    expect(navigations()).toBe(0);
    expect(await page.getByRole("img", { name: /Phase timeline/ }).getAttribute("aria-label")).toMatch(
      // The phase's deadline is bounded by the run's ceiling too, so its budget may read 59.9s.
      /agent-turn: [\d.]+s of (1m00s|[\d.]+s) ok/,
    );
    expect(await page.locator("pre.output").textContent()).toBe("Report written for slow-ok.");
    await page.locator(".live-indicator", { hasText: "Ended" }).waitFor();
    const inspected = await runAgentcron(["--state-dir", directory, "--json", "inspect", runId]);
    expect(inspected.json).toMatchObject({ run: { status: "succeeded", source: "manual" } });
    await browser.screenshot("run-succeeded");
  });

  it("a failed run's page names the phase and the plugin that hung, and what to check next", async () => {
    const { page } = browser;
    await page.goto(new URL("/jobs/needs-search", consoleUrl).href);

    await page.getByRole("button", { name: "Run now" }).click();
    await page.waitForURL(/\/runs\/[0-9A-Z]{26}\?notice=/, { timeout: 90_000 });
    await statusSays("failed");

    expect(await page.locator(".run-status").textContent()).toContain(
      "PluginInitError in runtime-plugins (plugin search)",
    );
    const timeline = await page.getByRole("img", { name: /Phase timeline/ }).getAttribute("aria-label");
    expect(timeline).toMatch(
      /runtime-plugins: [\d.]+s of [\d.]+s failed; search: [\d.]+s of [\d.]+s timed-out/,
    );
    const plugins = page.getByRole("table", { name: /Each plugin/ });
    expect(await plugins.getByRole("row", { name: /search/ }).textContent()).toContain("timed-out");
    expect(await page.getByRole("region", { name: "Error" }).textContent()).toMatch(
      /PluginInitError in phase runtime-plugins \(plugin search\)/,
    );
    expect(await page.getByRole("region", { name: "Next step" }).textContent()).toContain(
      `Check plugin "search": its mcp server at ${silentMcpServer.url}/mcp`,
    );
    await browser.screenshot("run-failed");
  });

  it("Pause, pressed from the keyboard, shows as paused in the CLI; Resume undoes it", async () => {
    const { page } = browser;
    await page.goto(new URL("/jobs/pausable", consoleUrl).href);

    await page.getByRole("button", { name: "Pause" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/jobs\/pausable\?notice=/);
    const notice = await page.locator(".notice").textContent();
    const shown = await runAgentcron(["--state-dir", directory, "jobs", "show", "pausable"]);
    const listed = await runAgentcron(["--state-dir", directory, "--json", "jobs", "list"]);
    await browser.screenshot("job-paused");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.waitForURL(/\/jobs\/pausable\?notice=/);
    const resumed = await runAgentcron(["--state-dir", directory, "jobs", "show", "pausable"]);

    expect(notice).toContain("Job pausable paused (v1 → v2); rule local-pausable disabled.");
    expect(shown.stdout).toContain("Job pausable · v2 · paused");
    expect(listed.json).toMatchObject({
      jobs: expect.arrayContaining([expect.objectContaining({ jobId: "pausable", enabled: false })]),
    });
    expect(await page.getByRole("button", { name: "Run now" }).isEnabled()).toBe(true);
    expect(resumed.stdout).toContain("Job pausable · v3 · enabled");
  });

  it("dead letters show why each is there, its path and body; a redrive asks first and keeps rejected ones", async () => {
    const { page } = browser;
    const state = readRuntimeState(directory);
    const sqs = new SQSClient({
      endpoint: state?.sqsEndpoint,
      region: state?.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      useQueueUrlAsEndpoint: false,
    });
    const text = (value: string) => ({ DataType: "String", StringValue: value });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: state?.queues.firesDlqUrl,
        MessageBody: JSON.stringify({ version: 1, jobId: "Inbox Triage", scheduledAt: "2026-11-22 05:00" }),
        MessageAttributes: {
          [REJECTION_ATTRIBUTES.reason]: text(
            "the message does not have the expected shape: jobId: not a job id",
          ),
          [REJECTION_ATTRIBUTES.path]: text("jobId, scheduledAt"),
          [REJECTION_ATTRIBUTES.rejectedBy]: text("dispatch"),
          [REJECTION_ATTRIBUTES.rejectedAt]: text("2026-11-22T05:16:50.711Z"),
        },
      }),
    );
    sqs.destroy();

    await page.goto(new URL("/dead-letters", consoleUrl).href);
    const fires = page.getByRole("region", { name: /fires DLQ: 1 message/ });
    expect(await fires.textContent()).toContain(
      "the message does not have the expected shape: jobId: not a job id",
    );
    expect(await fires.textContent()).toContain("jobId, scheduledAt");
    expect(await fires.locator("pre.body").textContent()).toContain('"jobId": "Inbox Triage"');
    await browser.screenshot("dead-letters");
    await fires.getByRole("link", { name: "Redrive the fires DLQ…" }).click();
    await page.waitForURL(/\/dead-letters\/redrive\?queue=fires$/);
    expect(await page.locator("main").textContent()).toContain("1 message agentcron rejected stays");
    await browser.screenshot("redrive-confirm");
    await page.getByRole("button", { name: "Redrive the fires DLQ" }).click();
    await page.waitForURL(/\/dead-letters\?notice=/);

    expect(await page.locator(".notice").textContent()).toContain(
      "fires: moved 0 messages back to the fires queue; kept 1 rejected",
    );
    expect(await page.getByRole("region", { name: /fires DLQ: 1 message/ }).count()).toBe(1);
  });

  it("`agentcron console` serves the same deployment, from the URL it prints, until Ctrl-C", async () => {
    const { page } = browser;
    const cli = startInGroup([CLI_BIN, "--state-dir", directory, "console"]);
    await waitUntil(() => urlPrinted(cli, "  ") !== undefined, 60_000, "agentcron console to print its URL");
    const url = urlPrinted(cli, "  ") ?? "";

    await page.goto(url);
    await page.getByRole("link", { name: "slow-ok", exact: true }).waitFor();
    signalProcess(-(cli.child.pid ?? 0), "SIGINT");
    const code = await exited(cli.child);

    expect(new URL(url).origin).not.toBe(new URL(consoleUrl).origin);
    expect(cli.output()).toContain("agentcron console for local runtime");
    expect(code).toBe(0);
  });
});
