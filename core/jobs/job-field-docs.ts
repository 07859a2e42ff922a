import { LAMBDA_MAX_TIMEOUT_SECONDS } from "./time-budget.ts";

/**
 * What each job field means, for people: the descriptions of schema/jobs.schema.json (what an
 * editor shows while you type a jobs file). Keyed by the field's path without indices; a test
 * fails when the job schema gains a field that is not described here.
 */
export const JOB_FIELD_DOCS: Readonly<Record<string, string>> = {
  id: "1-48 lowercase letters, digits and '-', starting with a letter or digit; part of the job's schedule rule name.",
  description: "A note for people; shown by `agentcron jobs show`.",
  schedule:
    "EventBridge syntax: `cron(min hour day-of-month month day-of-week year)` (one of the two days is `?`; day-of-week 1-7 = SUN-SAT), `rate(5 minutes)`, or a one-time `at(2027-01-15T09:00:00)` (Scheduler stages and the local runtime).",
  timezone:
    "The IANA time zone `cron()` and `at()` are read in (`Europe/Berlin`). Anything but UTC needs a Scheduler stage (`-c schedules=scheduler`) or the local runtime.",
  flexibleWindowMinutes:
    "EventBridge Scheduler may deliver each fire up to this many minutes late, spreading load (Scheduler stages only).",
  enabled: "A paused job gets no fires, and a manual fire of it is rejected with the reason.",
  agent: "What runs at each fire: a harness, its model and prompt, and the harness's options.",
  "agent.harness":
    "A registered harness (`agentcron harnesses` lists them); a stored job naming one this build lacks fails with HarnessNotRegisteredError.",
  "agent.model": "The model id, for harnesses that take one (each has its default).",
  "agent.prompt": "The prompt of every turn.",
  "agent.options":
    "The harness's own options, checked against its schema when the job is applied (docs/harnesses.md). Credentials only as references: env:NAME, secretsmanager:NAME[#key], ssm:/path.",
  plugins: "Plugins started before the agent turn, one after another, each within its own timeout.",
  "plugins.name": "1-32 letters, digits, '_' or '-'; prefixes its tools' names (`<name>__<tool>`).",
  "plugins.type": "A registered plugin type (`agentcron harnesses` lists them): `mcp`.",
  "plugins.options": "The plugin type's own options (docs/harnesses.md).",
  "plugins.timeoutSeconds":
    "How long this plugin may take to start; it must fit in timeouts.runtimePluginsSeconds.",
  "plugins.required":
    "Whether the run fails when this plugin does not start (false: the run goes on without its tools).",
  timeouts:
    "Per-phase budgets, checked against each other and against maxRunSeconds when the job is applied.",
  "timeouts.setupSeconds": "Budget of the setup phase.",
  "timeouts.runtimePluginsSeconds":
    "Budget of the runtime-plugins phase. Default: the plugins' timeouts added up, plus 5 s (1 s without plugins).",
  "timeouts.agentTurnSeconds": "Budget of the agent turn.",
  "timeouts.finalizeSeconds": "Budget of the finalize phase (recording the outcome, closing plugins).",
  maxRunSeconds: `The hard ceiling of a run. Default: the four phases added up. With a 30 s margin it must fit in the turn function's timeout (at most ${LAMBDA_MAX_TIMEOUT_SECONDS} s).`,
  leaseSeconds: "Length of the job's lease; a running run renews it every third of it.",
  startDeadlineSeconds:
    "How long a fire may wait for its turn to begin; past it the fire is `missed` or the queued run `not-started`. Default: the schedule's period, between 2 and 15 minutes.",
  overlap:
    "When the previous run still holds the job: `skip` the fire, `buffer-one` (one pending fire; later ones coalesce into it and are counted), or `replace` (ask the running run to stop, then run).",
  retryOnStall: "How many times a run that stalled or was abandoned is retried.",
  historyRetentionDays: "Run and fire records expire after this many days.",
  alarms:
    "Per-job health thresholds: a job that crosses one is unhealthy (jobs list, the jobs-unhealthy alarm).",
  "alarms.failureRateThreshold": "Alarm when the share of failed runs over the window reaches this (0-1).",
  "alarms.failureRateWindow": "How many of the last runs the failure rate is taken over.",
  "alarms.consecutiveFailures": "Alarm after this many failed runs in a row.",
  "alarms.consecutiveSkips": "Alarm after this many fires in a row skipped because the job was busy.",
  "alarms.minRuns":
    "Runs the window must hold before the failure rate counts; a job none of whose last this many runs completed is unhealthy too. At most failureRateWindow.",
};
