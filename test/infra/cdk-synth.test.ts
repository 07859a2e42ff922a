import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { demoJobSpec } from "./support/stack.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CDK = join(PROJECT_ROOT, "node_modules", ".bin", "cdk");
const scratch = mkdtempSync(join(tmpdir(), "agentcron-synth-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs the real `cdk synth` the way CI does, with no AWS credentials or profile, and with a
 * `docker` that records being called and fails: bundling must use the local esbuild.
 */
function cdkSynth(extraArguments: readonly string[]) {
  const dockerMarker = join(scratch, "docker-was-called");
  const fakeDocker = join(scratch, "docker");
  writeFileSync(fakeDocker, `#!/bin/sh\ntouch ${JSON.stringify(dockerMarker)}\nexit 1\n`);
  chmodSync(fakeDocker, 0o755);
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_") && !name.startsWith("CDK_")),
  );
  const outdir = mkdtempSync(join(scratch, "cdk.out-"));
  const result = spawnSync(CDK, ["synth", "--quiet", "--no-notices", "--output", outdir, ...extraArguments], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    // A full synth bundles four functions with esbuild: ~20 s idle, over 110 s on a 2-core machine at
    // load 20+ (seen). The limit is for a hang, not a speed check (BENCHMARKS.md has the sizes).
    timeout: 420_000,
    env: {
      ...environment,
      CDK_DOCKER: fakeDocker,
      CDK_DISABLE_VERSION_CHECK: "1",
      CDK_DISABLE_CLI_TELEMETRY: "true",
    },
  });
  return { ...result, outdir, dockerCalled: existsSync(dockerMarker) };
}

describe("cdk synth", () => {
  it("synthesises the stack with its bundled functions, without AWS credentials or Docker", () => {
    // Act
    const result = cdkSynth([]);

    // Assess
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.dockerCalled).toBe(false);
    const template = JSON.parse(readFileSync(join(result.outdir, "agentcron-dev.template.json"), "utf8"));
    expect(
      Object.values(template.Resources).filter(
        (resource) => (resource as { Type: string }).Type === "AWS::Lambda::Function",
      ),
    ).toHaveLength(4);
    // The four function bundles (directories); the job set is an asset too, as a file.
    const assets = readdirSync(result.outdir).filter((entry) => entry.startsWith("asset."));
    const bundles = assets.filter((entry) => !entry.endsWith(".json"));
    expect(bundles).toHaveLength(4);
    expect(assets.filter((entry) => entry.endsWith(".json"))).toHaveLength(1);
    for (const bundle of bundles) {
      expect(readdirSync(join(result.outdir, bundle)).sort()).toEqual(["index.mjs", "index.mjs.map"]);
    }
  }, 450_000);

  it("fails with every problem of an invalid job set and its path, before building anything", () => {
    // Prepare
    const jobsFile = join(scratch, "jobs.json");
    writeFileSync(
      jobsFile,
      JSON.stringify({
        jobs: [demoJobSpec({ id: "nightly", schedule: "cron(0 2 * * *)" }), demoJobSpec({ id: "Bad_Id" })],
      }),
    );

    // Act
    const result = cdkSynth(["-c", `jobsFile=${jobsFile}`]);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`invalid job set ${jobsFile} (2 problems)`);
    expect(result.stderr).toContain("jobs[0].schedule: cron(...) needs 6 fields");
    expect(result.stderr).toContain("jobs[1].id: a job id is 1-48 characters");
  });

  it("refuses 301 jobs on EventBridge rules with the quota message, before building anything", () => {
    // Prepare
    const jobsFile = join(scratch, "jobs-301.json");
    writeFileSync(
      jobsFile,
      JSON.stringify({ jobs: Array.from({ length: 301 }, (_, i) => demoJobSpec({ id: `job-${i}` })) }),
    );

    // Act
    const result = cdkSynth(["-c", `jobsFile=${jobsFile}`]);

    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("EventBridge allows 300 rules on the default event bus");
    expect(result.stderr).toContain("-c schedules=scheduler");
  });

  it("refuses a time zone on EventBridge rules, naming the switch to Scheduler", () => {
    const jobsFile = join(scratch, "jobs-zoned.json");
    writeFileSync(
      jobsFile,
      JSON.stringify({
        jobs: [demoJobSpec({ id: "berlin", schedule: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" })],
      }),
    );

    const result = cdkSynth(["-c", `jobsFile=${jobsFile}`]);

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('jobs[0].timezone: "Europe/Berlin" needs EventBridge Scheduler');
  });

  it("refuses a stage that cannot name the job rules", () => {
    const result = cdkSynth(["-c", "stage=staging-eu-west"]);

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('stage "staging-eu-west" cannot be used');
  });
});
