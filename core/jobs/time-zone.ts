/**
 * IANA time zones, through the runtime's own tz database (Intl): validation of a zone name, the
 * UTC offset of a zone at an instant, and the instants at which a zone's clocks show a wall time —
 * none (skipped when the clocks jump forward), one, or two (repeated when they fall back).
 *
 * Wall times are represented as "fake UTC" epoch milliseconds: the instant at which a UTC clock
 * would show the same date and time. That lets the UTC cron evaluator run unchanged on local time.
 */

export const UTC = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Why `name` cannot be used as a job's time zone, or undefined when it can. Accepts the IANA names
 * the tz database knows (`America/New_York`, `Europe/Berlin`, `UTC`), written as the database
 * writes them; refuses offsets (`+01:00`), which do not follow daylight saving time, and names a
 * runtime accepts in another letter case, which EventBridge Scheduler does not.
 */
export function timeZoneProblem(name: string): string | undefined {
  if (name.length === 0) return `is empty; write an IANA time zone such as Europe/Berlin, or UTC`;
  if (/^([+-]\d|(UTC|GMT)[+-])/i.test(name)) {
    return `"${shorten(name)}" is a fixed offset, which ignores daylight saving time; write the place's IANA zone instead, e.g. Europe/Berlin`;
  }
  if (name.length > 50 || /[^A-Za-z0-9_+\-/]/.test(name)) {
    return `"${shorten(name)}" is not an IANA time zone name; write one such as America/New_York, Europe/Berlin or UTC`;
  }
  let resolved: string;
  try {
    resolved = formatterFor(name).resolvedOptions().timeZone;
  } catch {
    return `"${name}" is not a time zone in the IANA tz database; write one such as America/New_York, Europe/Berlin or UTC`;
  }
  // Intl matches names case-insensitively ("europe/berlin" resolves to "Europe/Berlin").
  if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name) {
    return `"${name}" must be written as the tz database writes it: "${resolved}"`;
  }
  return undefined;
}

/** How far the zone's clocks are ahead of UTC at `instantMs`, in milliseconds (negative west of Greenwich). */
export function offsetAt(instantMs: number, timeZone: string): number {
  if (timeZone === UTC) return 0;
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) parts[part.type] = part.value;
  const year = Number(parts.year) * (parts.era === "BC" || parts.era === "B" ? -1 : 1);
  const wallMs = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const wholeSecondMs = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return wallMs - wholeSecondMs;
}

/** The wall time the zone's clocks show at `instantMs` (as fake UTC milliseconds). */
export function wallTimeAt(instantMs: number, timeZone: string): number {
  return instantMs + offsetAt(instantMs, timeZone);
}

const DAY_MS = 86_400_000;

/**
 * Every instant at which the zone's clocks show `wallMs`, earliest first: [] for a wall time the
 * clocks skip (spring forward), two for one they show twice (fall back), else one. The offsets in
 * force a day either side cover both sides of any transition near `wallMs`.
 */
export function instantsAtWallTime(wallMs: number, timeZone: string): number[] {
  if (timeZone === UTC) return [wallMs];
  const offsets = new Set([
    offsetAt(wallMs - DAY_MS, timeZone),
    offsetAt(wallMs, timeZone),
    offsetAt(wallMs + DAY_MS, timeZone),
  ]);
  const instants = new Set<number>();
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (offsetAt(instant, timeZone) === offset) instants.add(instant);
  }
  return [...instants].sort((a, b) => a - b);
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
