import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { liveProcessGroupMembers } from "#adapters/harnesses/process-group.ts";

/**
 * A process named so that a reused PID is not mistaken for it: its PID and when it started
 * (on Linux the kernel's start tick and the boot id; elsewhere `ps`'s start time).
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** The identity of the live process `pid`, or undefined when there is none (or only a zombie). */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const fromProc = startTimeFromProc(pid);
  if (fromProc !== undefined) return fromProc === "gone" ? undefined : { pid, startTime: fromProc };
  const fromPs = startTimeFromPs(pid);
  return fromPs === undefined ? undefined : { pid, startTime: fromPs };
}

/** True while the very process `identity` names is alive (its PID not reused by another). */
export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  return identifyProcess(identity.pid)?.startTime === identity.startTime;
}

let bootId: string | undefined;

/**
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot), prefixed with the boot id so a
 * record from before a reboot never matches. "gone" for a dead or zombie process; undefined where
 * there is no /proc.
 */
function startTimeFromProc(pid: number): string | "gone" | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return procAvailable() ? "gone" : undefined;
    return undefined;
  }
  // The command name (field 2) is parenthesised and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return "gone";
  bootId ??= readBootId();
  return `${bootId}:${fields[19]}`;
}

function procAvailable(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

function readBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "boot";
  }
}

/** macOS and the BSDs: `ps -o lstart=` (one-second resolution, which is enough next to the PID). */
function startTimeFromPs(pid: number): string | undefined {
  const result = spawnSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" });
  const started = result.status === 0 ? result.stdout.trim() : "";
  return started === "" ? undefined : started;
}

/**
 * The live members of process group `groupId` (Linux /proc only; empty elsewhere). Used when a
 * group's leader is gone but processes it started may still be running in the group.
 */
export function processGroupMembers(groupId: number): ProcessIdentity[] {
  const members = liveProcessGroupMembers(groupId) ?? [];
  if (members.length > 0) bootId ??= readBootId();
  return members.map((member) => ({ pid: member.pid, startTime: `${bootId}:${member.startTicks}` }));
}

/**
 * Whether `member` started no earlier than `leader` in the same boot (Linux identities only): a
 * process in a group cannot predate the process that created the group.
 */
export function startedSince(member: ProcessIdentity, leader: ProcessIdentity): boolean {
  const split = (identity: ProcessIdentity) => {
    const at = identity.startTime.lastIndexOf(":");
    return { boot: identity.startTime.slice(0, at), ticks: Number(identity.startTime.slice(at + 1)) };
  };
  const [of, since] = [split(member), split(leader)];
  return of.boot === since.boot && Number.isInteger(of.ticks) && of.ticks >= since.ticks;
}
