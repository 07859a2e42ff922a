import type {
  DispatchStore,
  FireWatchStore,
  JobHealthStore,
  JobStore,
  RunStore,
  SweepStore,
} from "#core/ports.ts";
import { raiseTransientErrors } from "../aws/transient-errors.ts";
import { createDispatchWrites } from "./dispatch-writes.ts";
import { createFireWatchStore } from "./fire-watch-store.ts";
import { createHealthStore } from "./health-store.ts";
import { createJobRepository } from "./job-repository.ts";
import { saveRunOutput } from "./run-output.ts";
import { createRunWrites } from "./run-writes.ts";
import { createSweepStore } from "./sweep-store.ts";
import type { TableContext } from "./table-context.ts";

export interface DynamoStore {
  readonly table: TableContext;
  readonly jobs: JobStore;
  readonly dispatch: DispatchStore;
  readonly runs: RunStore;
  readonly sweep: SweepStore;
  readonly health: JobHealthStore;
  readonly fireWatch: FireWatchStore;
}

/**
 * Every port of the run engine, over one DynamoDB table. Failures a retry may fix reach the core as
 * TransientError (the core retries them within each step's budget).
 */
export function createDynamoStore(table: TableContext): DynamoStore {
  raiseTransientErrors(table.client, "dynamodb");
  return {
    table,
    jobs: createJobRepository(table),
    dispatch: createDispatchWrites(table),
    runs: {
      ...createRunWrites(table),
      saveRunOutput: (fence, output, options) => saveRunOutput(table, fence, output, options),
    },
    sweep: createSweepStore(table),
    health: createHealthStore(table),
    fireWatch: createFireWatchStore(table),
  };
}
