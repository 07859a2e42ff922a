import { parseArgs } from "node:util";
import { DEFAULT_FIRES, DEFAULT_TURN_CONCURRENCY, SCENARIOS, type ScenarioName } from "./scenarios.ts";
import type { SimulationOptions } from "./simulation.ts";

export const USAGE = `npm run chaos -- [--seed N] [--fires N] [--scenario faults|backlog] [--turn-concurrency N]
                     [--no-faults] [--crash-rate R] [--json] [--verbose]

  --seed N              the seed: the same seed replays the same simulation (default 1)
  --fires N             scheduled fires in all (default: faults ${DEFAULT_FIRES.faults}, backlog ${DEFAULT_FIRES.backlog})
  --scenario S          faults: 10-12 jobs under injected faults; backlog: N jobs due at once (default faults)
  --turn-concurrency N  the turns event source's maximum concurrency (default: faults ${DEFAULT_TURN_CONCURRENCY.faults}, backlog ${DEFAULT_TURN_CONCURRENCY.backlog})
  --no-faults           inject no faults into the application's requests (a baseline)
  --crash-rate R        also crash dispatch and sweep invocations after a share R of their requests
                        (0 to 0.1; default 0)
  --json                print the summary as JSON on stdout
  --verbose             print the engine's log lines with simulated time on stderr`;

/** Raised for a bad command line; the message says what and how to fix it. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliOptions extends SimulationOptions {
  readonly json: boolean;
}

/** Parses the runner's arguments. @throws UsageError naming the bad option. */
export function parseCliOptions(argv: readonly string[]): CliOptions {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const scenario = (values.scenario ?? "faults") as ScenarioName;
  if (!SCENARIOS.includes(scenario)) {
    throw new UsageError(
      `--scenario: "${values.scenario}" is not a scenario; use one of: ${SCENARIOS.join(", ")}`,
    );
  }
  return {
    seed: wholeNumber("--seed", values.seed, 1, 0),
    scenario,
    fires: wholeNumber("--fires", values.fires, DEFAULT_FIRES[scenario], 1),
    turnMaxConcurrency: wholeNumber(
      "--turn-concurrency",
      values["turn-concurrency"],
      DEFAULT_TURN_CONCURRENCY[scenario],
      1,
    ),
    faults: !values["no-faults"],
    crashRate: rate("--crash-rate", values["crash-rate"]),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      seed: { type: "string" },
      fires: { type: "string" },
      scenario: { type: "string" },
      "turn-concurrency": { type: "string" },
      "no-faults": { type: "boolean" },
      "crash-rate": { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag}: "${raw}" is not a whole number of at least ${min}`);
  }
  return value;
}

function rate(flag: string, raw: string | undefined): number {
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 0.1) {
    throw new UsageError(`${flag}: "${raw}" is not a share from 0 to 0.1 (e.g. 0.005)`);
  }
  return value;
}
