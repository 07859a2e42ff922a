/**
 * Port: structured logging. Every line is JSON carrying the job id and run id when known
 * (the adapter is Powertools Logger in Lambda and the local runtime).
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` too. */
  child(fields: Record<string, unknown>): Logger;
}

/** A logger that writes nothing (unit tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
