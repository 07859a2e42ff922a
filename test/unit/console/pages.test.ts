import { describe, expect, it } from "vitest";
import type { FireRecord } from "#core/runs/run-record.ts";
import { renderDeadLettersPage } from "../../../cli/console/views/dead-letters-page.ts";
import { historyQuery, renderJobPage } from "../../../cli/console/views/job-page.ts";
import { renderJobsPage } from "../../../cli/console/views/jobs-page.ts";
import { renderRunPage } from "../../../cli/console/views/run-page.ts";
import { accountFires } from "../../../cli/operations/fire-accounting.ts";
import { inspectionOf, jobStateOf, pluginFailure, runningRun, statsOf, T0 } from "./fixtures.ts";

const fire = (overrides: Partial<FireRecord>): FireRecord => ({
  jobId: "inbox",
  fireKey: `inbox#${Math.random()}`,
  source: "schedule",
  scheduledAt: T0,
  receivedAt: T0,
  outcome: "run",
  ...overrides,
});

describe("fire accounting", () => {
  it("counts each fire's one outcome, and drains of buffered fires apart as the runs they became", () => {
    const accounting = accountFires([
      fire({ outcome: "run", runId: "r1" }),
      fire({ outcome: "skipped", reason: "busy" }),
      fire({ outcome: "buffered" }),
      fire({ outcome: "buffered" }),
      fire({ source: "buffered", outcome: "run", runId: "r2" }),
      fire({ source: "manual", outcome: "rejected", reason: "job-disabled" }),
    ]);
    expect(accounting.outcomes).toEqual({ run: 1, skipped: 1, buffered: 2, rejected: 1, missed: 0 });
    expect(accounting.total).toBe(5);
    expect(accounting.drainedRuns).toBe(1);
  });
});

describe("the pages", () => {
  const jobPageOf = (query: string) =>
    renderJobPage({
      overview: { state: jobStateOf(), runs: [], window: 10, nowMs: T0 },
      runs: [pluginFailure],
      fires: accountFires([
        fire({ outcome: "buffered" }),
        fire({ outcome: "buffered" }),
        fire({ source: "buffered", runId: "r2" }),
      ]),
      history: historyQuery(new URLSearchParams(query), T0),
      fireCount: 50,
    }).value;

  it("show the job's resolved budgets, the fire accounting and run now / pause as POST forms", () => {
    const page = jobPageOf("");
    expect(page).toContain("setup 10s");
    expect(page).toContain("max run 630s");
    expect(page).toMatch(
      /buffered<\/span> <strong>2<\/strong> <span class="muted">— ran coalesced as 1 drained run/,
    );
    expect(page).toContain('<form method="post" action="/jobs/inbox/run">');
    expect(page).toContain('<form method="post" action="/jobs/inbox/pause">');
    expect(page).toContain("Every 30 minutes");
  });

  it("check the run filters as `agentcron runs` checks its options, and say what is wrong", () => {
    expect(historyQuery(new URLSearchParams("status=failed&since=1h&limit=5"), T0).filter).toEqual({
      status: "failed",
      sinceMs: T0 - 3_600_000,
      limit: 5,
    });
    const page = jobPageOf("status=broken");
    expect(page).toContain('role="alert">status &quot;broken&quot; is not a run status');
  });

  it("list every job with its health, schedule in words, failure rate and who holds it now", () => {
    const page = renderJobsPage(
      [
        {
          state: jobStateOf({
            stats: statsOf({ recentOutcomes: ["failed", "failed"], failureRate: 1, consecutiveFailures: 2 }),
            lease: {
              jobId: "inbox",
              token: 2,
              holderRunId: runningRun.runId,
              acquiredAt: T0 - 6_000,
              expiresAt: T0 + 50_000,
              phase: "agent-turn",
              pending: { bufferId: "b", count: 2, firstScheduledAt: T0, lastScheduledAt: T0 },
            },
          }),
          health: { level: "bad", label: "failing", reason: "100% of the last 2 runs failed" },
          outcomes: ["failed", "failed"],
          window: 10,
        },
      ],
      T0,
    ).value;
    expect(page).toContain('1 job · <span class="text-bad">1 unhealthy</span>');
    expect(page).toContain("failing");
    expect(page).toContain("Every 30 minutes");
    expect(page).toContain("100% of the last 2");
    expect(page).toMatch(
      /<code>00000001<\/code><\/a> agent-turn <span class="subtle">for 6s<\/span> <span class="subtle">\+2 fires waiting/,
    );
  });

  it("show a dead letter's reason, path and body, and redrive behind a confirmation", () => {
    const page = renderDeadLettersPage([
      {
        role: "fires",
        peek: {
          queueUrl: "q",
          depth: 1,
          messages: [
            {
              messageId: "m-1",
              receiveCount: 1,
              rejection: {
                reason: "the message does not have the expected shape",
                path: "jobId",
                rejectedBy: "dispatch",
              },
              attributes: {},
              body: '{"jobId":"Bad Id"}',
            },
          ],
        },
      },
      { role: "turns", problem: "the turns dead-letter queue's URL is not in the environment" },
    ]).value;
    expect(page).toContain("fires DLQ: 1 message");
    expect(page).toContain("the message does not have the expected shape");
    expect(page).toContain("<code>jobId</code>");
    expect(page).toContain("&quot;jobId&quot;: &quot;Bad Id&quot;");
    expect(page).toContain('href="/dead-letters/redrive?queue=fires"');
    expect(page).toContain("Cannot read it: the turns dead-letter queue");
  });

  it("carry no inline style or script, which the console's CSP would block", () => {
    const pages = [jobPageOf(""), renderRunPage(inspectionOf(pluginFailure, T0 + 10_000)).value];
    for (const page of pages) expect(page).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/);
  });
});
