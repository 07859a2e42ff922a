import { processGroupMembers } from "./process-identity.ts";

/** Sends `signal` to every process of group `groupId`; false when the group no longer exists. */
export function signalProcessGroup(groupId: number, signal: NodeJS.Signals): boolean {
  // kill(-0) would signal our own group and kill(-1) every process we may signal.
  if (!Number.isInteger(groupId) || groupId <= 1) return false;
  try {
    process.kill(-groupId, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while a live process is in group `groupId`. On Linux from /proc, where a zombie (dead,
 * waiting to be reaped) does not count; elsewhere `kill(-group, 0)`.
 */
export function isProcessGroupAlive(groupId: number): boolean {
  if (process.platform === "linux") return processGroupMembers(groupId).length > 0;
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Resolves true once none of the groups has a live process, false after `timeoutMs`. */
export async function waitUntilProcessGroupsGone(
  groupIds: Iterable<number>,
  timeoutMs: number,
): Promise<boolean> {
  const groups = [...groupIds];
  const deadline = Date.now() + timeoutMs;
  while (groups.some(isProcessGroupAlive)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** SIGKILLs every process of each group and waits (up to `timeoutMs`) until they are gone. */
export async function killProcessGroups(groupIds: Iterable<number>, timeoutMs = 5_000): Promise<boolean> {
  const groups = [...groupIds];
  for (const groupId of groups) signalProcessGroup(groupId, "SIGKILL");
  return waitUntilProcessGroupsGone(groups, timeoutMs);
}
