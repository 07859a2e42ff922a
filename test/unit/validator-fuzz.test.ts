import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { seedFrom } from "#test/support/fuzz/random.ts";
import type { FuzzBatchResult } from "#test/support/fuzz/validate-batch.ts";

const batchEntry = fileURLToPath(new URL("../support/fuzz/validate-batch.ts", import.meta.url));
const SPECS = 1000;
const SCHEDULES = 1000;
/** Generous: the batch takes about 2 s on an idle machine; this only bounds a hang. */
const BATCH_LIMIT_MS = 240_000;

interface BatchRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lastCase: string | undefined;
  readonly result: (FuzzBatchResult & { throwCount: number; badIssueCount: number }) | undefined;
  readonly stderrTail: string;
}

/** Runs the batch in a child process: an abort or a hang ends the child, not the test runner. */
function runBatch(seed: number): Promise<BatchRun> {
  const directory = mkdtempSync(join(tmpdir(), "agentcron-fuzz-"));
  const progressFile = join(directory, "progress.txt");
  return new Promise<BatchRun>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", batchEntry], {
      env: {
        ...process.env,
        FUZZ_SEED: String(seed),
        FUZZ_SPECS: String(SPECS),
        FUZZ_SCHEDULES: String(SCHEDULES),
        FUZZ_PROGRESS_FILE: progressFile,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const limit = setTimeout(() => child.kill("SIGKILL"), BATCH_LIMIT_MS);
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(limit);
      let progress = "";
      try {
        progress = readFileSync(progressFile, "utf8");
      } catch {
        // The child died before it opened the file: no case was reached.
      }
      const lines = progress.trimEnd().split("\n");
      const resultLine = lines.find((line) => line.startsWith("result "));
      resolve({
        exitCode,
        signal,
        lastCase: lines.filter((line) => line.startsWith("case ")).at(-1),
        result: resultLine ? JSON.parse(resultLine.slice("result ".length)) : undefined,
        stderrTail: stderr,
      });
    });
  }).finally(() => rmSync(directory, { recursive: true, force: true }));
}

describe("job validator under generated input", () => {
  it(
    `validates ${SPECS} generated job specs and ${SCHEDULES} schedule strings with no abort, no throw and a path and message on every issue`,
    async () => {
      // Prepare
      const seed = seedFrom("FUZZ_SEED");
      const replay = `seed ${seed}; replay with FUZZ_SEED=${seed} npx vitest run --project unit test/unit/validator-fuzz.test.ts`;

      // Act
      const run = await runBatch(seed);

      // Assess
      expect(
        { exitCode: run.exitCode, signal: run.signal },
        `the validator batch died (${replay}); the input it was on: ${run.lastCase}\n${run.stderrTail}`,
      ).toEqual({ exitCode: 0, signal: null });
      expect(run.result, `no result line (${replay})`).toBeDefined();
      expect(run.result?.throws, `validators threw (${replay})`).toEqual([]);
      expect(run.result?.badIssues, `issues without a path or message (${replay})`).toEqual([]);
      expect(run.result).toMatchObject({
        seed,
        specs: SPECS,
        schedules: SCHEDULES,
        throwCount: 0,
        badIssueCount: 0,
      });
      // The generator must reach both answers, or it tests only one side.
      expect(run.result?.rejected).toBeGreaterThan(0);
      expect(run.result?.rejected).toBeLessThan(SPECS + SCHEDULES + (run.result?.jobSets ?? 0));
    },
    BATCH_LIMIT_MS + 30_000,
  );
});
