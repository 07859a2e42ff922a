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
 * Why a field has the bounds it has, keyed by its path without indices (`plugins.timeoutSeconds`):
 * appended to a "too big" / "too small" message so the reader learns the limit's reason, not just
 * the number.
 */
export type FieldReasons = Readonly<Record<string, { readonly max?: string; readonly min?: string }>>;

export interface IssueContext {
  /** The value that was validated: lets messages quote what was given (`"yes"`, `5000`). */
  readonly input?: unknown;
  /** Its schema: lets an unknown field's message suggest the known one it is closest to. */
  readonly schema?: z.ZodType;
  readonly reasons?: FieldReasons;
}

/**
 * Turns zod issues into path + message pairs a person can act on: what was given, what is
 * allowed and — where the field's limit has a reason — why; an unknown field or value names the
 * one it is probably a misspelling of (`overlapp` → `overlap`).
 */
export function toValidationIssues(
  error: z.ZodError,
  basePath = "",
  context: IssueContext = {},
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const path = joinPath(basePath, formatPath(issue.path));
    if (issue.code === "unrecognized_keys") {
      const object = objectAt(context.schema, issue.path);
      for (const key of issue.keys) {
        issues.push({
          path: joinPath(path, key),
          message: describeUnknownKey(key, object?.keys, object?.hints),
        });
      }
      continue;
    }
    issues.push({ path, message: describeIssue(issue, context) });
  }
  return issues;
}

function describeIssue(issue: z.core.$ZodIssue, context: IssueContext): string {
  const given = valueAt(context.input, issue.path);
  const reason = context.reasons?.[reasonKey(issue.path)];
  switch (issue.code) {
    case "invalid_type": {
      const expected = describeExpected(issue.expected);
      if (given.found ? given.value === undefined : /received undefined$/.test(issue.message)) {
        return `is required (expected ${expected})`;
      }
      return given.found ? `expected ${expected}, got ${quote(given.value)}` : issue.message;
    }
    case "too_big": {
      if (issue.origin !== "number" && issue.origin !== "int" && issue.origin !== "bigint") {
        return `${sizePrefix(issue.origin, given)}at most ${issue.maximum} ${unitOf(issue.origin)} allowed`;
      }
      const limit = `${issue.inclusive ? "at most" : "less than"} ${issue.maximum}`;
      const got = given.found ? `${quote(given.value)} is too big: use ${limit}` : `must be ${limit}`;
      return reason?.max ? `${got} — ${reason.max}` : got;
    }
    case "too_small": {
      if (issue.origin === "string" && issue.minimum === 1) return "is empty";
      if (issue.origin !== "number" && issue.origin !== "int" && issue.origin !== "bigint") {
        return `${sizePrefix(issue.origin, given)}at least ${issue.minimum} ${unitOf(issue.origin)} needed`;
      }
      const limit = `${issue.inclusive ? "at least" : "more than"} ${issue.minimum}`;
      const got = given.found ? `${quote(given.value)} is too small: use ${limit}` : `must be ${limit}`;
      return reason?.min ? `${got} — ${reason.min}` : got;
    }
    case "invalid_value": {
      const allowed = issue.values.map((value) => quote(value));
      const suggestion =
        given.found && typeof given.value === "string"
          ? closestMatch(
              given.value,
              issue.values.filter((value): value is string => typeof value === "string"),
            )
          : undefined;
      const got = given.found ? `${quote(given.value)} is not allowed` : "is not allowed";
      return `${got}; use ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(", ")}`}${suggestion ? ` (did you mean ${quote(suggestion)}?)` : ""}`;
    }
    default:
      return issue.message;
  }
}

/**
 * What a strict object says of a key it refuses, and which word it uses for its keys: harness
 * options explain why a plausible option is refused (`temperature`), in terms of "option".
 */
export interface RejectedKeyHints {
  readonly noun?: "field" | "option";
  readonly hints?: Readonly<Record<string, string>>;
}

const rejectedKeyHints = new WeakMap<object, RejectedKeyHints>();

/** Attaches {@link RejectedKeyHints} to a strict object schema; returns the schema. */
export function withRejectedKeyHints<Schema extends z.ZodType>(
  schema: Schema,
  hints: RejectedKeyHints,
): Schema {
  rejectedKeyHints.set(schema, hints);
  return schema;
}

/**
 * Why a key is refused and what to write instead: the hint for it; for a credential, the
 * reference field that takes it (`apiKey` → `apiKeyRef`); the known key it is a misspelling of
 * (`overlapp` → `overlap`); or the keys there are.
 */
export function describeUnknownKey(
  key: string,
  knownKeys: readonly string[] | undefined,
  { noun = "field", hints = {} }: RejectedKeyHints = {},
): string {
  const hint = hints[key];
  if (hint !== undefined) return `${noun} "${key}" is not accepted: ${hint}`;
  if (knownKeys?.includes(`${key}Ref`)) {
    return (
      `${noun} "${key}" is not accepted: credentials never go in a job definition. ` +
      `Store the value as a secret and set "${key}Ref" to its reference ` +
      "(env:NAME, secretsmanager:NAME_OR_ARN[#jsonKey] or ssm:/parameter/name)"
    );
  }
  if (/^(api[-_]?key|token|secret|password|authorization)$/i.test(key)) {
    return (
      `${noun} "${key}" is not accepted: credentials never go in a job definition — put the value in an ` +
      'environment variable, Secrets Manager or SSM and reference it in the harness options (e.g. "apiKeyRef": "env:MY_KEY")'
    );
  }
  const suggestion = knownKeys ? closestMatch(key, knownKeys) : undefined;
  if (suggestion) return `unknown ${noun} "${key}"; did you mean "${suggestion}"?`;
  if (knownKeys && knownKeys.length > 0)
    return `unknown ${noun} "${key}"; known ${noun}s: ${knownKeys.join(", ")}`;
  return `unknown ${noun} "${key}"; remove it or check its spelling`;
}

/**
 * The candidate a misspelt word most likely meant: the closest by edit distance (a swap of two
 * neighbouring letters counts as one edit), within a third of the word's length — close enough
 * to be a typo, not another word — or one that differs only in case.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === word.toLowerCase()) return candidate;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      }
      const row = rows[i];
      if (row) row[j] = distance;
    }
  }
  return at(a.length, b.length);
}

/** The object schema at `path` (through defaults, optionals, arrays and records): its keys and hints. */
function objectAt(
  schema: z.ZodType | undefined,
  path: readonly PropertyKey[],
): { keys: string[]; hints?: RejectedKeyHints } | undefined {
  let current = schema ? unwrap(schema) : undefined;
  for (const segment of path) {
    if (!current) return undefined;
    const def = defOf(current);
    if (def.type === "object" && typeof segment === "string") current = def.shape?.[segment];
    else if (def.type === "array") current = def.element;
    else if (def.type === "record") current = def.valueType;
    else return undefined;
    current = current ? unwrap(current) : undefined;
  }
  if (!current) return undefined;
  const def = defOf(current);
  if (def.type !== "object" || !def.shape) return undefined;
  return { keys: Object.keys(def.shape), hints: rejectedKeyHints.get(current) };
}

/** The parts of a zod 4 schema's definition that the walk above reads. */
interface SchemaDefinition {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/** Through the wrappers that do not change a value's shape: default, optional, pipe, ... */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = defOf(current);
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (!inner) return current;
    current = inner;
  }
  return current;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  if (input === undefined) return { found: false };
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return { found: true, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { found: true, value: current };
}

/** `plugins[0].timeoutSeconds` → `plugins.timeoutSeconds`: the key of {@link FieldReasons}. */
function reasonKey(path: readonly PropertyKey[]): string {
  return path.filter((segment) => typeof segment === "string").join(".");
}

function describeExpected(expected: string): string {
  const words: Record<string, string> = {
    int: "a whole number",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    object: "an object",
    array: "an array",
  };
  return words[expected] ?? expected;
}

/** `has 21 items; ` when the value is at hand. */
function sizePrefix(origin: string, given: { found: boolean; value?: unknown }): string {
  const value = given.found ? given.value : undefined;
  return typeof value === "string" || Array.isArray(value) ? `has ${value.length} ${unitOf(origin)}; ` : "";
}

function unitOf(origin: string): string {
  if (origin === "string") return "characters";
  if (origin === "array" || origin === "set") return "items";
  return "entries";
}

function quote(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
