import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessIdentity } from "./process-identity.ts";

/** What a recorded process is to the runtime; it decides how the process is stopped. */
export type RecordedRole =
  /** DynamoDB Local's wrapper or its JVM: stopped with SIGTERM (it closes the data file), then SIGKILL. */
  | "dynamodb-local"
  /** A turn's process: SIGKILLed, as Lambda ends an invocation. */
  | "turn"
  /** A process group a turn started (a `command` agent, a stdio MCP server): SIGKILLed with the turn. */
  | "turn-child";

/** A process the local runtime started and must not outlive it. */
export interface RecordedProcess extends ProcessIdentity {
  readonly role: RecordedRole;
  /** The process leads its own process group, and the whole group is stopped with it. */
  readonly leadsGroup: boolean;
  /** For a person: what it is (`DynamoDB Local (java)`, `turn of run 01J...`). */
  readonly description: string;
}

export function processLedgerPath(stateDir: string): string {
  return join(stateDir, "processes.json");
}

/**
 * The processes a running local runtime has started and not yet seen end, kept in a file in the
 * state directory. When the runtime is killed (`kill -9`), its guardian stops them from this file;
 * if the guardian was killed too, the next start does (see stop-orphans.ts). Each entry names its
 * process by PID and start time, so a reused PID is never stopped by mistake.
 */
export class ProcessLedger {
  private readonly entries = new Map<number, RecordedProcess>();

  constructor(readonly path: string) {}

  record(entry: RecordedProcess): void {
    this.entries.set(entry.pid, entry);
    this.save();
  }

  forget(pid: number): void {
    if (this.entries.delete(pid)) this.save();
  }

  /** Empties the ledger: called once the runtime stopped everything itself. */
  clear(): void {
    this.entries.clear();
    this.save();
  }

  list(): RecordedProcess[] {
    return [...this.entries.values()];
  }

  // Written whole to a temporary file and renamed over the ledger: a reader (the guardian, a later
  // start) never sees half a file.
  private save(): void {
    const draft = `${this.path}.${process.pid}.draft`;
    writeFileSync(draft, `${JSON.stringify(this.list(), null, 2)}\n`);
    renameSync(draft, this.path);
  }
}

/** The entries of a ledger file (none when it is missing or unreadable). */
export function readProcessLedger(path: string): RecordedProcess[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (entry): entry is RecordedProcess =>
      typeof entry === "object" &&
      entry !== null &&
      typeof entry.pid === "number" &&
      typeof entry.startTime === "string" &&
      typeof entry.role === "string",
  );
}

export function removeProcessLedger(path: string): void {
  rmSync(path, { force: true });
}
