import { z } from "zod";
import { SECRET_REFERENCE_PATTERN } from "#core/agents/secrets.ts";
import { describeUnknownKey, withRejectedKeyHints } from "#core/validation.ts";

/**
 * An http(s) URL. Unlike `z.httpUrl()`, IP addresses and single-label hosts are accepted: self-hosted
 * model servers and agents live at http://10.0.0.5:8000 or http://localhost:11434.
 */
export const httpUrlSchema = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

/** A `SecretReference` in a job's options: `env:NAME`, `secretsmanager:ID[#jsonKey]` or `ssm:/name`. */
export const secretReferenceSchema = z.string().regex(SECRET_REFERENCE_PATTERN, {
  error:
    "must be a secret reference: env:NAME, secretsmanager:NAME_OR_ARN (optionally #jsonKey) or ssm:/parameter/name",
});

/** A name usable as an environment variable (for `env` and `envFromSecrets` maps). */
export const environmentVariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
});

/**
 * Plain HTTP headers from a job. An Authorization header is a credential, so it is refused with a
 * pointer to the option holding the token's secret reference (`tokenReferenceKey`).
 */
export function nonSecretHeadersSchema(tokenReferenceKey: string) {
  return z
    .record(z.string().min(1), z.string())
    .refine((headers) => !Object.keys(headers).some((name) => name.toLowerCase() === "authorization"), {
      error: `an Authorization header is a credential: store the token as a secret and set "${tokenReferenceKey}" to its reference`,
    });
}

/**
 * Explanations for option keys a job might plausibly use but must not, keyed by the rejected key.
 * Keys whose name plus `Ref` is a known option (`apiKey` → `apiKeyRef`) get a hint automatically.
 */
export type RejectedKeyHints = Readonly<Record<string, string>>;

/**
 * A strict options object (unknown keys are refused, DESIGN invariant 8: a job is checked when it
 * is applied). The refusal says what to do instead: a credential literal such as `apiKey` points to
 * its `apiKeyRef` sibling, because credentials never appear in a job definition; a misspelt option
 * names the one it is closest to.
 */
export function strictOptionsObject<Shape extends z.ZodRawShape>(shape: Shape, hints: RejectedKeyHints = {}) {
  const knownKeys = Object.keys(shape);
  const explained = { noun: "option", hints } as const;
  const schema = z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => describeUnknownKey(key, knownKeys, explained)).join("; ")
        : undefined,
  });
  // The same explanations when the options are validated as part of a job (core/validation.ts).
  return withRejectedKeyHints(schema, explained);
}
