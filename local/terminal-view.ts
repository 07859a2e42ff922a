import { keys } from "#adapters/dynamodb/keys.ts";
import { batchGet, keyOf, listRuns } from "#adapters/dynamodb/reads.ts";
import { leaseFromItem, statsFromItem } from "#adapters/dynamodb/records.ts";
import { validateJob } from "#core/jobs/job-schema.ts";
import type { LeaseState } from "#core/leases/lease.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import type { JobStats } from "#core/stats/job-stats.ts";
import { describeDuration } from "#core/time-format.ts";
import type { LocalRuntime } from "./runtime.ts";

export interface ViewSnapshot {
  readonly jobs: {
    readonly id: string;
    readonly schedule: string;
    readonly enabled: boolean;
    readonly nextFireAt?: number;
    readonly lease?: LeaseState;
    readonly stats?: JobStats;
  }[];
  readonly recent: RunRecord[];
  readonly nowMs: number;
}

/** Reads what the view shows: jobs with lease and stats (one batch read), and the latest runs. */
export async function readSnapshot(runtime: LocalRuntime): Promise<ViewSnapshot> {
  const { store, validation } = runtime.deps;
  const stored = await store.jobs.listJobs();
  const wanted = stored.flatMap((job) => [keys.lease(job.jobId), keys.stats(job.jobId)]);
  const found = wanted.length > 0 ? await batchGet(store.table, wanted) : new Map();
  const nextFires = runtime.scheduler.nextFires();
  const jobs = stored.map((job) => {
    const parsed = validateJob(job.spec, { ...validation, admitUnregisteredHarness: true });
    const lease = found.get(keyOf(keys.lease(job.jobId)));
    const stats = found.get(keyOf(keys.stats(job.jobId)));
    return {
      id: job.jobId,
      schedule: String(job.spec.schedule),
      enabled: parsed.ok ? parsed.job.enabled : false,
      nextFireAt: nextFires.get(job.jobId),
      lease: lease ? leaseFromItem(lease) : undefined,
      stats: stats ? statsFromItem(stats, job.jobId) : undefined,
    };
  });
  const runs = (
    await Promise.all(stored.map((job) => listRuns(store.table, job.jobId, { limit: 4 })))
  ).flat();
  const recent = runs
    .filter((run) => run.endedAt !== undefined)
    .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))
    .slice(0, 8);
  return { jobs, recent, nowMs: runtime.deps.clock.now() };
}

const STATUS_COLOUR: Record<string, number> = {
  succeeded: 32,
  failed: 31,
  stalled: 31,
  abandoned: 31,
  "not-started": 31,
  "timed-out": 33,
  cancelled: 33,
  running: 36,
};

/** Renders a snapshot as the lines of the live view; colour only when `colour` (a TTY). */
export function renderSnapshot(
  runtime: LocalRuntime,
  snapshot: ViewSnapshot,
  colour: boolean,
  options: { consoleUrl?: string } = {},
): string[] {
  const paint = (text: string, code: number | undefined) =>
    colour && code ? `\x1b[${code}m${text}\x1b[0m` : text;
  const dim = (text: string) => (colour ? `\x1b[2m${text}\x1b[0m` : text);
  const bold = (text: string) => (colour ? `\x1b[1m${text}\x1b[0m` : text);
  const { state } = runtime;
  const lines: string[] = [];
  lines.push(
    `${bold("agentcron local")}  ${dim(`DynamoDB ${state.dynamodbEndpoint} · SQS ${state.sqsEndpoint} · ${state.dataDir ? `data ${state.dataDir}` : "in memory"}`)}`,
  );
  lines.push(dim(`logs ${state.logFile}`));
  if (options.consoleUrl) lines.push(`console ${options.consoleUrl}`);
  lines.push("");
  lines.push(bold("Jobs"));
  lines.push(
    dim(
      `  ${"JOB".padEnd(22)}${"SCHEDULE".padEnd(24)}${"NEXT FIRE".padEnd(12)}${"LAST".padEnd(12)}${"FAILURE RATE".padEnd(16)}STREAKS`,
    ),
  );
  for (const job of snapshot.jobs) {
    const next = !job.enabled
      ? "paused"
      : job.nextFireAt !== undefined
        ? `in ${describeDuration(Math.max(0, job.nextFireAt - snapshot.nowMs))}`
        : "-";
    const last = job.stats?.lastStatus ?? "-";
    const rate =
      job.stats && job.stats.recentOutcomes.length > 0
        ? `${Math.round(job.stats.failureRate * 100)}% of ${job.stats.recentOutcomes.length}`
        : "-";
    const streaks = [
      job.stats?.consecutiveFailures ? `${job.stats.consecutiveFailures} failed in a row` : "",
      job.stats?.consecutiveSkips ? `${job.stats.consecutiveSkips} fires bounced` : "",
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(
      `  ${job.id.padEnd(22)}${job.schedule.padEnd(24)}${next.padEnd(12)}${paint(last.padEnd(12), STATUS_COLOUR[last])}${rate.padEnd(16)}${streaks}`,
    );
  }
  lines.push("");
  lines.push(bold("Running"));
  const running = snapshot.jobs.filter((job) => job.lease?.holderRunId);
  if (running.length === 0) lines.push(dim("  nothing running"));
  for (const job of running) {
    const lease = job.lease as LeaseState;
    const elapsed = describeDuration(snapshot.nowMs - (lease.acquiredAt ?? snapshot.nowMs));
    const pending = lease.pending ? `, ${lease.pending.count} fire(s) waiting` : "";
    lines.push(
      `  ${job.id.padEnd(22)}${String(lease.holderRunId).padEnd(28)}${paint((lease.phase ?? "queued").padEnd(17), 36)}${elapsed}${pending}`,
    );
  }
  lines.push("");
  lines.push(bold("Recent runs"));
  if (snapshot.recent.length === 0)
    lines.push(dim("  none yet — the first fires come within a minute or two"));
  for (const run of snapshot.recent) {
    const ended = new Date(run.endedAt ?? 0).toISOString().slice(11, 19);
    const took =
      run.startedAt !== undefined && run.endedAt !== undefined
        ? describeDuration(run.endedAt - run.startedAt)
        : "-";
    const why = run.error ? dim(` ${run.error.class}: ${run.error.message.slice(0, 60)}`) : "";
    lines.push(
      `  ${ended}  ${run.jobId.padEnd(22)}${paint(run.status.padEnd(11), STATUS_COLOUR[run.status])}${took.padEnd(8)}${run.runId}${why}`,
    );
  }
  lines.push("");
  lines.push(
    dim("Ctrl-C stops · npx agentcron runs <job> · npx agentcron inspect <run-id> · npx agentcron doctor"),
  );
  return lines;
}

/**
 * Redraws the view every second in place (cursor home, each line cleared to its end): no flicker,
 * no dependency. Without a TTY it prints a line for each run that ended instead.
 */
export function startTerminalView(
  runtime: LocalRuntime,
  output: NodeJS.WriteStream = process.stdout,
  options: { consoleUrl?: string } = {},
): () => void {
  const tty = output.isTTY === true;
  const reported = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  if (tty) output.write("\x1b[?25l\x1b[2J");
  const frame = async () => {
    try {
      const snapshot = await readSnapshot(runtime);
      if (stopped) return;
      if (tty) {
        const lines = renderSnapshot(runtime, snapshot, true, options);
        output.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join("\n")}\n\x1b[J`);
      } else {
        for (const run of [...snapshot.recent].reverse()) {
          if (reported.has(run.runId)) continue;
          reported.add(run.runId);
          const error = run.error ? ` (${run.error.class}: ${run.error.message})` : "";
          output.write(
            `${new Date(run.endedAt ?? 0).toISOString()} ${run.jobId} run ${run.runId} ${run.status}${error}\n`,
          );
        }
      }
    } catch {
      // The next frame tries again; a view must never take the runtime down.
    }
    if (!stopped) timer = setTimeout(frame, tty ? 1000 : 2000);
  };
  void frame();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (tty) output.write("\x1b[?25h\n");
  };
}
