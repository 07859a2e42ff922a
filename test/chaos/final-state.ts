import type { FauxqsServer } from "fauxqs";
import { getLease, listFires, listRuns } from "#adapters/dynamodb/reads.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { REJECTION_ATTRIBUTES } from "#adapters/sqs/dead-letters.ts";
import { isHeld, type LeaseState } from "#core/leases/lease.ts";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";

/** A message in a dead-letter queue, with the reason agentcron attached (if it did). */
export interface DeadLetter {
  readonly queue: string;
  readonly body: string;
  readonly rejectReason?: string;
}

/** The table and the queues once the simulation is quiet: what the invariants are checked against. */
export interface FinalState {
  readonly fires: readonly FireRecord[];
  readonly runs: readonly RunRecord[];
  readonly leases: readonly LeaseState[];
  readonly deadLetters: readonly DeadLetter[];
  /** Messages still on the work queues (waiting, delayed or in flight), by queue. */
  readonly workQueueDepth: Readonly<Record<string, number>>;
}

/** Whether every job's lease is free with nothing pending: the engine has nothing left to do. */
export async function leasesSettled(table: TableContext, jobIds: readonly string[]): Promise<boolean> {
  for (const jobId of jobIds) {
    const lease = await getLease(table, jobId);
    if (lease && (isHeld(lease) || lease.pending)) return false;
  }
  return true;
}

/** No real job has this many records; the reads just have to be complete. */
const ALL = 1_000_000;

/** Reads every job's fires, runs and lease (strongly consistent), and the queues' contents. */
export async function readFinalState(
  table: TableContext,
  jobIds: readonly string[],
  fauxqs: FauxqsServer,
  queues: { work: readonly string[]; deadLetter: readonly string[] },
): Promise<FinalState> {
  const fires: FireRecord[] = [];
  const runs: RunRecord[] = [];
  const leases: LeaseState[] = [];
  for (const jobId of jobIds) {
    fires.push(...(await listFires(table, jobId, ALL)));
    runs.push(...(await listRuns(table, jobId, { limit: ALL })));
    const lease = await getLease(table, jobId);
    if (lease) leases.push(lease);
  }
  const deadLetters: DeadLetter[] = [];
  for (const name of queues.deadLetter) {
    for (const message of allMessages(fauxqs, name)) {
      deadLetters.push({
        queue: name,
        body: message.body,
        rejectReason: message.messageAttributes?.[REJECTION_ATTRIBUTES.reason]?.StringValue,
      });
    }
  }
  const workQueueDepth = Object.fromEntries(
    queues.work.map((name) => [name, allMessages(fauxqs, name).length]),
  );
  return { fires, runs, leases, deadLetters, workQueueDepth };
}

function allMessages(fauxqs: FauxqsServer, queueName: string) {
  const inspected = fauxqs.inspectQueue(queueName);
  if (!inspected) throw new Error(`queue ${queueName} does not exist in the emulator`);
  const { ready, delayed, inflight } = inspected.messages;
  return [...ready, ...delayed, ...inflight.map((entry) => entry.message)];
}
