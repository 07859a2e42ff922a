/**
 * The simulations CI runs (test/chaos/chaos.test.ts), documented in RELIABILITY.md. Fixed seeds:
 * a failure is a reproduction (`npm run chaos -- --seed N --fires M --scenario S`), never a flake.
 */
export const CI_RUNS = [
  { scenario: "faults", seed: 1, fires: 550 },
  { scenario: "faults", seed: 2, fires: 550 },
  { scenario: "faults", seed: 3, fires: 550 },
  { scenario: "backlog", seed: 1, fires: 200 },
] as const;

/** A short simulation run twice: the same seed must give the same summary. */
export const REPLAY_RUN = { scenario: "faults", seed: 7, fires: 80 } as const;
