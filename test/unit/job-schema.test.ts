import { describe, expect, it } from "vitest";
import { JOB_DEFAULTS, validateJob } from "#core/jobs/job-schema.ts";
import { validateJobSet } from "#core/jobs/job-set.ts";
import { testCatalog } from "#test/support/catalog.ts";

const context = { catalog: testCatalog };
const minimal = { id: "triage", schedule: "rate(30 minutes)", agent: { harness: "echo", prompt: "Triage" } };

function issuesOf(input: unknown, functionTimeoutSeconds?: number) {
  const result = validateJob(input, { ...context, functionTimeoutSeconds });
  return result.ok ? [] : result.issues;
}

describe("job schema", () => {
  it("fills every default of a minimal job and resolves its time budget", () => {
    // Act
    const result = validateJob(minimal, context);
    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.job).toMatchObject({
      enabled: true,
      overlap: JOB_DEFAULTS.overlap,
      leaseSeconds: 60,
      retryOnStall: 0,
      plugins: [],
      timeouts: { setupSeconds: 10, runtimePluginsSeconds: 1, agentTurnSeconds: 600, finalizeSeconds: 15 },
      maxRunSeconds: 626,
      alarms: { failureRateWindow: 10, failureRateThreshold: 0.5 },
    });
  });

  it("sizes runtime-plugins to the plugins' own timeouts when it is not given", () => {
    const result = validateJob(
      {
        ...minimal,
        plugins: [
          { name: "a", type: "mcp", options: { url: "http://127.0.0.1:1/mcp" }, timeoutSeconds: 20 },
          { name: "b", type: "mcp", options: { url: "http://127.0.0.1:2/mcp" }, timeoutSeconds: 30 },
        ],
      },
      context,
    );
    expect(result.ok && result.job.timeouts.runtimePluginsSeconds).toBe(55);
  });

  it("names the field and the fix for a wrong schedule", () => {
    const issues = issuesOf({ ...minimal, schedule: "*/5 * * * *" });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("schedule");
    expect(issues[0]?.message).toContain("cron(0/5 * * * ? *)");
  });

  it("admits only registered harnesses and plugin types, listing the ones there are", () => {
    const issues = issuesOf({
      ...minimal,
      agent: { harness: "gpt", prompt: "x" },
      plugins: [{ name: "p", type: "lsp" }],
    });
    expect(issues).toEqual([
      { path: "agent.harness", message: '"gpt" is not a registered harness; use one of: echo' },
      { path: "plugins[0].type", message: '"lsp" is not a registered plugin type; use one of: mcp' },
    ]);
  });

  it("validates harness and plugin options with their own schemas, under their paths", () => {
    const issues = issuesOf({
      ...minimal,
      agent: { harness: "echo", prompt: "x", options: { temperature: 3 } },
      plugins: [{ name: "p", type: "mcp", options: { url: "not a url" } }],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      "agent.options.temperature",
      "plugins[0].options.url",
    ]);
  });

  it("refuses a credential in a job definition and says where credentials go", () => {
    const issues = issuesOf({
      ...minimal,
      agent: { harness: "echo", prompt: "x", options: { apiKey: "sk-123" } },
    });
    expect(issues[0]?.path).toBe("agent.options.apiKey");
    expect(issues[0]?.message).toContain("credentials never go in a job definition");
    expect(issues[0]?.message).toContain("apiKeyRef");
  });

  it("rejects plugin timeouts that do not fit in runtime-plugins", () => {
    const issues = issuesOf({
      ...minimal,
      plugins: [{ name: "slow", type: "mcp", options: { url: "http://127.0.0.1:1" }, timeoutSeconds: 90 }],
      timeouts: { runtimePluginsSeconds: 60 },
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("timeouts.runtimePluginsSeconds");
    expect(issues[0]?.message).toContain("slow 90s = 90s");
  });

  it("rejects phase timeouts that add up to more than maxRunSeconds", () => {
    const issues = issuesOf({ ...minimal, maxRunSeconds: 300 });
    expect(issues).toEqual([expect.objectContaining({ path: "maxRunSeconds" })]);
    expect(issues[0]?.message).toContain("= 626s");
  });

  it("rejects a ceiling that does not fit in the turn function's timeout with its margin", () => {
    const issues = issuesOf({ ...minimal, timeouts: { agentTurnSeconds: 100 } }, 120);
    expect(issues).toEqual([expect.objectContaining({ path: "maxRunSeconds" })]);
    expect(issues[0]?.message).toContain("use at most 90s");
  });

  it("rejects unknown fields with their path, naming the field a misspelt one is closest to", () => {
    const misspelt = issuesOf({ ...minimal, overlapp: "skip", timeouts: { agentTurnSecs: 60 } });
    const unrelated = issuesOf({ ...minimal, colour: "blue" });
    expect(misspelt).toEqual([
      {
        path: "timeouts.agentTurnSecs",
        message: 'unknown field "agentTurnSecs"; did you mean "agentTurnSeconds"?',
      },
      { path: "overlapp", message: 'unknown field "overlapp"; did you mean "overlap"?' },
    ]);
    expect(unrelated).toEqual([
      {
        path: "colour",
        message: expect.stringMatching(/^unknown field "colour"; known fields: id, description, schedule,/),
      },
    ]);
  });

  it("says a value out of bounds is too big, what the limit is, and why the limit exists", () => {
    const issues = issuesOf({ ...minimal, timeouts: { agentTurnSeconds: 5000 } });
    expect(issues).toEqual([
      {
        path: "timeouts.agentTurnSeconds",
        message: expect.stringMatching(
          /^5000 is too big: use at most 900 — a run happens inside one invocation of the turn function, and Lambda stops a function after 900 s \(15 minutes\)/,
        ),
      },
    ]);
    expect(issues[0]?.message).not.toContain("Too big");
  });

  it("tells a value of the wrong type from a missing one", () => {
    const issues = issuesOf({
      id: "triage",
      schedule: "rate(1 hour)",
      enabled: "yes",
      agent: { harness: "echo" },
    });
    expect(issues).toEqual([
      { path: "enabled", message: 'expected true or false, got "yes"' },
      { path: "agent.prompt", message: "is required (expected a string)" },
    ]);
  });

  it("reports the harness's option problems too when the job's own fields are broken, so one pass shows all", () => {
    const issues = issuesOf({
      ...minimal,
      overlapp: "skip",
      agent: { harness: "echo", prompt: "x", options: { temprature: 2 } },
    });
    expect(issues.map((issue) => issue.path)).toEqual(["overlapp", "agent.options.temprature"]);
    expect(issues[1]?.message).toBe('unknown field "temprature"; did you mean "temperature"?');
  });

  it("lists the allowed values of a choice and the one a misspelt value is closest to", () => {
    expect(issuesOf({ ...minimal, overlap: "buffer_one" })).toEqual([
      {
        path: "overlap",
        message:
          '"buffer_one" is not allowed; use one of "skip", "buffer-one", "replace" (did you mean "buffer-one"?)',
      },
    ]);
  });
});

describe("job schema: time zones, one-time schedules and the schedule backend", () => {
  const onScheduler = { ...context, schedules: "scheduler" as const };
  const issuesOn = (input: unknown, schedules: "rules" | "scheduler" | "local") => {
    const result = validateJob(input, { ...context, schedules });
    return result.ok ? [] : result.issues;
  };

  it("reads schedules in UTC unless a time zone is given", () => {
    const result = validateJob(minimal, context);
    expect(result.ok && result.job.timezone).toBe("UTC");
  });

  it("accepts a time zone, an at() schedule and a flexible window on EventBridge Scheduler and locally", () => {
    const job = {
      ...minimal,
      schedule: "at(2027-01-15T09:00:00)",
      timezone: "Europe/Berlin",
      flexibleWindowMinutes: 15,
    };
    expect(issuesOn(job, "scheduler")).toEqual([]);
    expect(issuesOn(job, "local")).toEqual([]);
  });

  it("refuses each of them on EventBridge rules with the reason and the switch to make", () => {
    const issues = issuesOn(
      {
        ...minimal,
        schedule: "at(2027-01-15T09:00:00)",
        timezone: "Europe/Berlin",
        flexibleWindowMinutes: 15,
      },
      "rules",
    );
    expect(issues.map((issue) => issue.path)).toEqual(["timezone", "flexibleWindowMinutes", "schedule"]);
    for (const issue of issues) expect(issue.message).toContain("-c schedules=scheduler");
    expect(issues[0]?.message).toContain("read every schedule in UTC");
    expect(issues[2]?.message).toContain("one-time schedule");
  });

  it("refuses on rules by default, when the deployment does not say which backend it has", () => {
    expect(issuesOf({ ...minimal, timezone: "Europe/Berlin" }).map((issue) => issue.path)).toEqual([
      "timezone",
    ]);
  });

  it("refuses an unknown or miswritten zone, and an at() time the clocks skip", () => {
    expect(validateJob({ ...minimal, timezone: "Europe/Berlim" }, onScheduler)).toMatchObject({
      ok: false,
      issues: [
        { path: "timezone", message: expect.stringContaining("not a time zone in the IANA tz database") },
      ],
    });
    expect(
      validateJob(
        { ...minimal, schedule: "at(2027-03-14T02:30:00)", timezone: "America/New_York" },
        onScheduler,
      ),
    ).toMatchObject({
      ok: false,
      issues: [{ path: "schedule", message: expect.stringContaining("does not exist in America/New_York") }],
    });
  });

  it("reports a bad zone alongside shape errors elsewhere in the job", () => {
    const issues = issuesOn({ ...minimal, timezone: "Nowhere/Land", leaseSeconds: "60" }, "scheduler");
    expect(issues.map((issue) => issue.path).sort()).toEqual(["leaseSeconds", "timezone"]);
  });
});

describe("job set", () => {
  it("lists every problem of every job with its index, and duplicate ids, and accepts nothing", () => {
    const result = validateJobSet(
      {
        jobs: [
          minimal,
          { ...minimal, schedule: "cron(0 9 * * MON *)" },
          { ...minimal, agent: { harness: "nope", prompt: "x" } },
          { ...minimal, id: "other", maxRunSeconds: 10 },
        ],
      },
      context,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual([
      "jobs[1].schedule",
      "jobs[1].id",
      "jobs[2].agent.harness",
      "jobs[2].id",
      "jobs[3].maxRunSeconds",
    ]);
    expect(result.issues[1]?.message).toBe('duplicate id "triage" (also jobs[0].id)');
  });

  it("gives a job that is not an object the path of the job itself, with no trailing dot", () => {
    const result = validateJobSet({ jobs: [minimal, "triage", null] }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.path)).toEqual(["jobs[1]", "jobs[2]"]);
  });

  it("gives problems with a whole input the path (root)", () => {
    const job = validateJob("triage", context);
    const set = validateJobSet(42, context);
    expect(job.ok || job.issues.map((issue) => issue.path)).toEqual(["(root)"]);
    expect(set.ok || set.issues).toEqual([
      { path: "(root)", message: expect.stringContaining("got a number") },
    ]);
  });

  it("explains the expected shape when the file is not a job list", () => {
    const result = validateJobSet({ job: [] }, context);
    expect(result).toEqual({
      ok: false,
      issues: [{ path: "jobs", message: expect.stringContaining('{"jobs": [ ... ]}') }],
    });
  });
});
