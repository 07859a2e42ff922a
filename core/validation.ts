import type { z } from "zod";
import type { ValidationIssue } from "./errors.ts";

/** `["plugins", 0, "timeoutSeconds"]` → `plugins[0].timeoutSeconds`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}

/**
 * The path of a problem with the input as a whole (a body that is not an object, a job that is a
 * string): never an empty path, which a reader cannot tell from a missing one.
 */
export const ROOT_PATH = "(root)";

/**
 * Joins a base path and a relative one: `jobs[2]` + `agent.model` → `jobs[2].agent.model`,
 * `jobs[2]` + `(root)` → `jobs[2]`. Returns {@link ROOT_PATH} when both are empty.
 */
export function joinPath(base: string, relative: string): string {
  const from = base === ROOT_PATH ? "" : base;
  const rest = relative === ROOT_PATH ? "" : relative;
  if (!from) return rest || ROOT_PATH;
  if (!rest) return from;
  return rest.startsWith("[") ? `${from}${rest}` : `${from}.${rest}`;
}

/**
 * Turns zod issues into path + message pairs a person can act on. zod's own wording is kept
 * except where it leaves the reader guessing (unknown keys, wrong types).
 */
export function toValidationIssues(error: z.ZodError, basePath = ""): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = joinPath(basePath, formatPath(issue.path));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        issues.push({ path: joinPath(path, key), message: unknownKeyMessage(key) });
      }
      continue;
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      issues.push({ path, message: `is required (expected ${issue.expected})` });
      continue;
    }
    issues.push({ path, message: issue.message });
  }
  return issues;
}

function unknownKeyMessage(key: string): string {
  if (/^(api[-_]?key|token|secret|password|authorization)$/i.test(key)) {
    return `unknown field; credentials never go in a job definition — put the value in an environment variable, Secrets Manager or SSM and reference it (e.g. "apiKeyRef": "env:MY_KEY")`;
  }
  return "unknown field; remove it or check its spelling";
}
