import type { SeededRandom } from "./random.ts";

/**
 * Generators of hostile input for the job validator: job specs (valid jobs with fields replaced by
 * any JSON value, or any JSON value at all) and schedule strings (near-misses of valid expressions,
 * nested and unbalanced parentheses, unicode, control characters, huge strings).
 */

/** A job every mutation starts from: valid with the built-in catalog. */
export const BASE_JOB = {
  id: "fuzz-base",
  description: "fuzz base job",
  schedule: "cron(0/30 * * * ? *)",
  enabled: true,
  agent: { harness: "demo", prompt: "Say hello.", options: { output: "hello", delayMs: 0 } },
  plugins: [
    { name: "search", type: "mcp", options: { transport: "streamable-http", url: "http://127.0.0.1:1/mcp" } },
  ],
  timeouts: { setupSeconds: 10, agentTurnSeconds: 60, finalizeSeconds: 15 },
  leaseSeconds: 60,
  overlap: "skip",
  retryOnStall: 1,
  historyRetentionDays: 7,
  alarms: { failureRateThreshold: 0.5, failureRateWindow: 10, consecutiveFailures: 3, consecutiveSkips: 3 },
} as const;

/** Schedules and near-misses known to have broken the validator, plus the valid forms. */
const KNOWN_SCHEDULES = [
  "(0 12 * * ? *)",
  "(0 12 * * *)",
  "cron((0) 0 * * ? *)",
  "0 12 (*) * ? *",
  "cron(cron(0 12 * * ? *))",
  "((((((((((",
  "))))))))))",
  "cron(",
  "rate(",
  "at(",
  "cron(0 12 * * ? *",
  "*/5 * * * *",
  "0 12 * * ? *",
  "5 minutes",
  "cron(0/30 * * * ? *)",
  "rate(1 minute)",
  "rate(5 minutes)",
  "cron(0 9 ? * MON-FRI *)",
  "cron(0 2 L * ? *)",
  "cron(0 2 ? * 6#3 *)",
  "at(2027-01-15T09:00:00)",
  "at(2027-02-30T09:00:00)",
  "at(2027-01-15T09:00:00Z)",
];

const SCHEDULE_TOKENS = [
  "cron",
  "rate",
  "at",
  "CRON",
  "Rate",
  "(",
  ")",
  "((",
  "))",
  " ",
  "  ",
  "\t",
  "\n",
  "*",
  "?",
  "/",
  "-",
  ",",
  "#",
  "L",
  "W",
  "LW",
  "0",
  "1",
  "5",
  "7",
  "12",
  "15",
  "30",
  "59",
  "60",
  "99",
  "1970",
  "2027",
  "2199",
  "2200",
  "JAN",
  "DEC",
  "SUN",
  "MON",
  "FRX",
  "minute",
  "minutes",
  "hour",
  "hours",
  "day",
  "days",
  "second",
  "T",
  ":",
  "2027-01-15",
  "09:00:00",
  "Z",
  "+01:00",
  "é",
  "日本",
  "🙂",
  "\u0000",
  "\u200b",
  "\u202e",
  "\ud800",
  "$",
  "\\",
  '"',
  "'",
  "{",
  "}",
  "[",
  "]",
  "<aws.scheduler.scheduled-time>",
  "-1",
  "1e3",
  "0x10",
  "NaN",
  "Infinity",
];

const STRING_SAMPLES = [
  "",
  " ",
  "a",
  "demo",
  "mcp",
  "skip",
  "replace",
  "buffer-one",
  "UTC",
  "America/New_York",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Mars/Olympus_Mons",
  "utc",
  "Etc/GMT+5",
  "EST5EDT",
  "+01:00",
  "2027-01-15T09:00:00",
  "http://127.0.0.1:1/mcp",
  "env:KEY",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "😀".repeat(3),
  "\u0000\u0001",
  "\ud83d",
  "ＡＢＣ",
  "Ⅻ",
  "٣",
  "\u202eevil",
  "a".repeat(49),
  "-leading-dash",
];

/** Any JSON value: null, booleans, numbers at their edges, strings, arrays and objects, nested. */
export function randomJson(random: SeededRandom, depth = 0): unknown {
  const kinds =
    depth > 4
      ? ["null", "boolean", "number", "string"]
      : ["null", "boolean", "number", "string", "array", "object"];
  switch (random.pick(kinds)) {
    case "null":
      return null;
    case "boolean":
      return random.chance(0.5);
    case "number":
      return random.pick([
        0,
        -0,
        1,
        -1,
        0.5,
        15,
        60,
        900,
        901,
        1e308,
        -1e308,
        2 ** 53,
        2 ** 53 + 2,
        1e-320,
        random.int(-1e6, 1e6),
      ]);
    case "string":
      return randomString(random);
    case "array":
      return Array.from({ length: random.int(0, 4) }, () => randomJson(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = random.int(0, 4); i > 0; i--) object[randomString(random)] = randomJson(random, depth + 1);
      return object;
    }
  }
}

function randomString(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.5) return random.pick(STRING_SAMPLES);
  if (roll < 0.8) return randomSchedule(random);
  if (roll < 0.95)
    return Array.from({ length: random.int(1, 12) }, () => random.pick(SCHEDULE_TOKENS)).join("");
  return random.pick(["x", "(", "é", "🙂", "* "]).repeat(random.int(1_000, 200_000));
}

/** Arrays or objects nested thousands deep, where the schema accepts any value (agent.options). */
function deeplyNested(random: SeededRandom): unknown {
  let value: unknown = randomJson(random, 5);
  for (let i = random.int(100, 5_000); i > 0; i--) value = random.chance(0.5) ? [value] : { deeper: value };
  return value;
}

/** A schedule string: a known breaker, a valid expression with one thing broken, or random tokens. */
export function randomSchedule(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.15) return random.pick(KNOWN_SCHEDULES);
  if (roll < 0.45) return mutateSchedule(random, random.pick(KNOWN_SCHEDULES));
  if (roll < 0.6) {
    const wrappers = random.int(1, 60);
    const inner = random.pick(KNOWN_SCHEDULES);
    const word = random.pick(["cron", "rate", "at", ""]);
    return `${`${word}(`.repeat(wrappers)}${inner}${")".repeat(random.chance(0.7) ? wrappers : random.int(0, wrappers))}`;
  }
  if (roll < 0.9) {
    const body = Array.from({ length: random.int(0, 14) }, () => random.pick(SCHEDULE_TOKENS)).join(
      random.pick([" ", "", "  "]),
    );
    return random.chance(0.6) ? `${random.pick(["cron", "rate", "at", "Cron", ""])}(${body})` : body;
  }
  return random.pick(["(", ")", "* ", "cron(", "0 ", "🙂", "\u0000"]).repeat(random.int(100, 100_000));
}

function mutateSchedule(random: SeededRandom, schedule: string): string {
  const position = random.int(0, schedule.length);
  switch (random.int(0, 4)) {
    case 0:
      return `${schedule.slice(0, position)}${random.pick(SCHEDULE_TOKENS)}${schedule.slice(position)}`;
    case 1:
      return `${schedule.slice(0, position)}${schedule.slice(position + random.int(1, 4))}`;
    case 2:
      // Parenthesize one field: "0 12 (*) * ? *".
      return schedule.replace(/(?<=[( ])([^ ()]+)(?=[ )])/, "($1)");
    case 3:
      return schedule.toLowerCase().replace(/\s/g, random.pick(["", "   ", "\t", "\u00a0"]));
    default:
      return schedule.repeat(random.int(2, 6));
  }
}

const TOP_LEVEL_FIELDS = [
  ...Object.keys(BASE_JOB),
  "timezone",
  "flexibleWindowMinutes",
  "startDeadlineSeconds",
  "unknownField",
  "apiKey",
];
const NESTED_PATHS = [
  ["agent", "harness"],
  ["agent", "prompt"],
  ["agent", "options"],
  ["agent", "model"],
  ["agent", "options", "delayMs"],
  ["plugins", 0],
  ["plugins", 0, "name"],
  ["plugins", 0, "type"],
  ["plugins", 0, "options"],
  ["plugins", 0, "timeoutSeconds"],
  ["timeouts", "setupSeconds"],
  ["timeouts", "runtimePluginsSeconds"],
  ["alarms", "failureRateWindow"],
] as const;

/** A job spec: mostly the base job with a few fields replaced, removed or added; sometimes any JSON. */
export function randomJobSpec(random: SeededRandom): unknown {
  if (random.chance(0.1)) return randomJson(random);
  const job = structuredClone(BASE_JOB) as unknown as Record<string, unknown>;
  for (let mutations = random.int(1, 4); mutations > 0; mutations--) {
    const roll = random.next();
    if (roll < 0.3) job.schedule = randomSchedule(random);
    else if (roll < 0.55) job[random.pick(TOP_LEVEL_FIELDS)] = randomJson(random);
    else if (roll < 0.7) delete job[random.pick(TOP_LEVEL_FIELDS)];
    else if (roll < 0.9) setPath(job, random.pick(NESTED_PATHS), randomJson(random));
    else setPath(job, ["agent", "options", "nested"], deeplyNested(random));
  }
  return job;
}

function setPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node === "object" && node !== null)
    (node as Record<string | number, unknown>)[path[path.length - 1] ?? ""] = value;
}
