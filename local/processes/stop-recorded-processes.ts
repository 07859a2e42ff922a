import { signalProcessGroup } from "./process-groups.ts";
import {
  isSameProcessAlive,
  type ProcessIdentity,
  processGroupMembers,
  startedSince,
} from "./process-identity.ts";
import type { RecordedProcess } from "./process-ledger.ts";

/** @default 5000 — DynamoDB Local's time to close its data file after SIGTERM. */
const DEFAULT_GRACE_MS = 5_000;
const AFTER_SIGKILL_WAIT_MS = 3_000;

/**
 * Stops the recorded processes that are still alive — each the very process recorded (PID and start
 * time), and with it its whole process group when it led one. A group whose leader already exited
 * is still stopped if processes it started remain in it (Linux). Turn processes and their children
 * get SIGKILL at once (as Lambda ends an invocation; their runs are settled by the sweeper);
 * DynamoDB Local gets SIGTERM, and SIGKILL after `graceMs`.
 *
 * @returns the entries that were alive and have been stopped.
 */
export async function stopRecordedProcesses(
  entries: readonly RecordedProcess[],
  options: { readonly graceMs?: number } = {},
): Promise<RecordedProcess[]> {
  const live = entries
    .map((entry) => ({ entry, members: liveMembers(entry) }))
    .filter(({ members }) => members.length > 0);
  if (live.length === 0) return [];

  for (const { entry } of live) signal(entry, entry.role === "dynamodb-local" ? "SIGTERM" : "SIGKILL");
  const everyMember = () => live.flatMap(({ entry }) => liveMembers(entry));
  if (!(await waitUntilGone(everyMember, options.graceMs ?? DEFAULT_GRACE_MS))) {
    for (const { entry } of live) signal(entry, "SIGKILL");
    for (const member of everyMember()) killQuietly(member.pid, "SIGKILL");
    await waitUntilGone(everyMember, AFTER_SIGKILL_WAIT_MS);
  }
  return live.map(({ entry }) => entry);
}

/** The recorded process if it is still that process, plus what remains of the group it led. */
function liveMembers(entry: RecordedProcess): ProcessIdentity[] {
  const members: ProcessIdentity[] = isSameProcessAlive(entry) ? [entry] : [];
  if (entry.leadsGroup) {
    for (const member of processGroupMembers(entry.pid)) {
      if (member.pid !== entry.pid && startedSince(member, entry)) members.push(member);
    }
  }
  return members;
}

function signal(entry: RecordedProcess, name: NodeJS.Signals): void {
  if (entry.leadsGroup) signalProcessGroup(entry.pid, name);
  if (isSameProcessAlive(entry)) killQuietly(entry.pid, name);
}

function killQuietly(pid: number, name: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

async function waitUntilGone(members: () => ProcessIdentity[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (members().length > 0) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
