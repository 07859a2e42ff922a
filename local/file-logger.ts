import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "#core/logger.ts";

const LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
type Level = (typeof LEVELS)[number];

/**
 * JSON-lines logger for the local runtime's own process (the turn processes log through
 * Powertools; their lines are appended to the same file). `echo` also gets each line, for the
 * terminal when there is no live view.
 */
export function createFileLogger(options: {
  path: string;
  level?: Level;
  fields?: Record<string, unknown>;
  echo?: (line: string, level: Level) => void;
}): Logger {
  mkdirSync(dirname(options.path), { recursive: true });
  const threshold = LEVELS.indexOf(options.level ?? "INFO");
  const write = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const line = JSON.stringify({
      level,
      message,
      timestamp: new Date().toISOString(),
      ...options.fields,
      ...fields,
    });
    appendFileSync(options.path, `${line}\n`);
    options.echo?.(line, level);
  };
  return {
    debug: (message, fields) => write("DEBUG", message, fields),
    info: (message, fields) => write("INFO", message, fields),
    warn: (message, fields) => write("WARN", message, fields),
    error: (message, fields) => write("ERROR", message, fields),
    child: (fields) => createFileLogger({ ...options, fields: { ...options.fields, ...fields } }),
  };
}

/** Appends a line as it came (a turn process's own JSON log line). */
export function appendLogLine(path: string, line: string): void {
  appendFileSync(path, `${line}\n`);
}
