// Child-process entry of the validator fuzz test (test/unit/validator-fuzz.test.ts): validates a
// seeded batch of generated job specs and schedule strings, here rather than in the test's own
// process, so an input that makes V8 abort (as "(0 12 * * ? *)" once did) is counted as a failed
// exit instead of killing the test runner. Writes `case <n> <kind>` before each input, so the last
// such line names the input that killed the process, and `result <json>` at the end — to the file
// FUZZ_PROGRESS_FILE (standard output when unset).
//
//   FUZZ_SEED=123 FUZZ_SPECS=1000 FUZZ_SCHEDULES=1000 npx tsx test/support/fuzz/validate-batch.ts
import { openSync, writeSync } from "node:fs";
import { builtInRegistry } from "#adapters/registry.ts";
import type { ValidationIssue } from "#core/errors.ts";
import { validateJob } from "#core/jobs/job-schema.ts";
import { validateJobSet } from "#core/jobs/job-set.ts";
import { parseScheduleExpression, ScheduleExpressionError } from "#core/jobs/schedule-expression.ts";
import { BASE_JOB, randomJobSpec, randomSchedule } from "./job-inputs.ts";
import { SeededRandom } from "./random.ts";

export interface FuzzBatchResult {
  readonly seed: number;
  readonly specs: number;
  readonly schedules: number;
  readonly jobSets: number;
  readonly rejected: number;
  /** Inputs on which a validator threw instead of returning issues (with the input, shortened). */
  readonly throws: readonly {
    readonly kind: string;
    readonly index: number;
    readonly error: string;
    readonly input: string;
  }[];
  /** Issues with an empty path or message, or a path ending in "." (with the input, shortened). */
  readonly badIssues: readonly {
    readonly kind: string;
    readonly index: number;
    readonly issue: ValidationIssue;
    readonly input: string;
  }[];
}

const seed = Number(process.env.FUZZ_SEED ?? 1);
const specCount = Number(process.env.FUZZ_SPECS ?? 1000);
const scheduleCount = Number(process.env.FUZZ_SCHEDULES ?? 1000);
const context = { catalog: builtInRegistry.catalog };
const random = new SeededRandom(seed);
const throws: FuzzBatchResult["throws"][number][] = [];
const badIssues: FuzzBatchResult["badIssues"][number][] = [];
let rejected = 0;
let jobSets = 0;

const shorten = (input: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(input) ?? String(input);
  } catch {
    text = String(input);
  }
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;
};
// Synchronous, so the line is out before an abort that follows it. To a file, not a pipe: standard
// output can be a non-blocking pipe, where a synchronous write fails with EAGAIN once the pipe is
// full and the parent (on a busy machine) has not read it yet.
const progressFd = process.env.FUZZ_PROGRESS_FILE ? openSync(process.env.FUZZ_PROGRESS_FILE, "w") : 1;
const progress = (line: string) => writeSync(progressFd, `${line}\n`);

function check(
  kind: string,
  index: number,
  input: unknown,
  validate: () => readonly ValidationIssue[],
): void {
  progress(`case ${index} ${kind}`);
  let issues: readonly ValidationIssue[];
  try {
    issues = validate();
  } catch (error) {
    throws.push({ kind, index, error: String(error).slice(0, 300), input: shorten(input) });
    return;
  }
  if (issues.length > 0) rejected++;
  for (const issue of issues) {
    if (!issue.path || !issue.message || issue.path.endsWith(".") || typeof issue.path !== "string") {
      badIssues.push({ kind, index, issue, input: shorten(input) });
    }
  }
}

const issuesOf = (result: { ok: true } | { ok: false; issues: readonly ValidationIssue[] }) =>
  result.ok ? [] : result.issues;

const specs: unknown[] = [];
for (let index = 0; index < specCount; index++) {
  const spec = randomJobSpec(random);
  specs.push(spec);
  check("spec", index, spec, () => issuesOf(validateJob(spec, context)));
}
for (let index = 0; index < scheduleCount; index++) {
  const schedule = randomSchedule(random);
  check("schedule", index, schedule, () => {
    try {
      parseScheduleExpression(schedule);
    } catch (error) {
      // A rejection is the expected answer; anything else escaping the parser is a failure.
      if (!(error instanceof ScheduleExpressionError) || !error.message) throw error;
    }
    return issuesOf(validateJob({ ...BASE_JOB, schedule }, context));
  });
}
// Whole files too: the set's paths (`jobs[3].schedule`) and duplicate ids, ten specs at a time.
for (let start = 0; start < specs.length; start += 10) {
  const document = random.chance(0.9) ? { jobs: specs.slice(start, start + 10) } : specs[start];
  jobSets++;
  check("job-set", start, document, () => issuesOf(validateJobSet(document, context)));
}

const result: FuzzBatchResult = {
  seed,
  specs: specCount,
  schedules: scheduleCount,
  jobSets,
  rejected,
  throws: throws.slice(0, 10),
  badIssues: badIssues.slice(0, 10),
};
progress(
  `result ${JSON.stringify({ ...result, throwCount: throws.length, badIssueCount: badIssues.length })}`,
);
