/** Where a deployment keeps one run's log lines. */
export type RunLogSource =
  /** The local runtime: one file per run, `<directory>/<runId>.log` (JSON lines). */
  | { readonly kind: "file"; readonly directory: string }
  /** AWS: the turn function's log group, filtered by the run id. */
  | {
      readonly kind: "cloudwatch";
      readonly logGroupName: string;
      readonly clientConfig: { readonly region?: string; readonly endpoint?: string };
    }
  | { readonly kind: "unavailable"; readonly reason: string };

/** One log line of a run, as read: the raw text, and its fields when it is JSON. */
export interface RunLogLine {
  /** Epoch ms: the line's own timestamp, else when the log stored it. */
  readonly at: number;
  readonly text: string;
  readonly record?: Readonly<Record<string, unknown>>;
}
