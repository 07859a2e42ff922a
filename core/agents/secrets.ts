/**
 * Where a credential lives. API keys never appear in a job definition; a job names a reference:
 * - `env:NAME` — an environment variable of the turn function / local runtime;
 * - `secretsmanager:ARN_OR_NAME` (optionally `#jsonKey` to pick one key of a JSON secret);
 * - `ssm:/parameter/name` — an SSM SecureString parameter.
 */
export type SecretReference = string;

export const SECRET_REFERENCE_PATTERN =
  /^(env:[A-Za-z_][A-Za-z0-9_]*|secretsmanager:[^\s#]+(#[^\s]+)?|ssm:\/[^\s]+)$/;

/** Port: resolves a secret reference to its value. */
export interface SecretResolver {
  /** @throws SecretNotFoundError when the reference resolves to nothing. */
  resolve(reference: SecretReference, signal?: AbortSignal): Promise<string>;
}

export class SecretNotFoundError extends Error {
  override name = "SecretNotFoundError";
}
