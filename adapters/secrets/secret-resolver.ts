import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { SecretNotFoundError, type SecretReference, type SecretResolver } from "#core/agents/secrets.ts";

/** Dependencies of {@link createSecretResolver}; every one has a production default. */
export interface SecretResolverDependencies {
  /**
   * Where `env:` references are read.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Client for `secretsmanager:` references.
   * @default a SecretsManagerClient created on first use (region and credentials from the default chain)
   */
  readonly secretsManager?: SecretsManagerClient;
  /**
   * Client for `ssm:` references.
   * @default an SSMClient created on first use (region and credentials from the default chain)
   */
  readonly ssm?: SSMClient;
  /**
   * How long a value read from Secrets Manager or SSM is reused. Rotated secrets are picked up after
   * this long; `env:` values are read live and never cached.
   * @default 300_000 (5 minutes)
   */
  readonly cacheTtlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Secrets Manager or SSM could not be asked (access denied, throttled, network): the secret may exist,
 * the turn function just could not read it. The message names the reference and the AWS error, never
 * a value.
 */
export class SecretUnavailableError extends Error {
  override name = "SecretUnavailableError";
}

const DEFAULT_CACHE_TTL_MS = 5 * 60 * 1000;

/**
 * Creates the `SecretResolver` adapter for `env:`, `secretsmanager:` (optionally `#jsonKey`) and
 * `ssm:` references (SecureString parameters are decrypted).
 *
 * `resolve` throws `SecretNotFoundError` naming the reference when it resolves to nothing (missing or
 * empty variable, unknown secret or parameter, missing JSON key) and {@link SecretUnavailableError}
 * when AWS could not be asked. Neither message ever contains a secret value.
 */
export function createSecretResolver(dependencies: SecretResolverDependencies = {}): SecretResolver {
  const env = dependencies.env ?? process.env;
  const cacheTtlMs = dependencies.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
  const now = dependencies.now ?? Date.now;
  const cache = new Map<SecretReference, { value: string; expiresAt: number }>();
  let secretsManager: Promise<SecretsManagerClient> | undefined;
  let ssm: Promise<SSMClient> | undefined;

  // The AWS SDK modules are imported on first use so a job that only uses env: references (and
  // every cold start) does not pay for loading them.
  const getSecretsManager = (): Promise<SecretsManagerClient> => {
    secretsManager ??= dependencies.secretsManager
      ? Promise.resolve(dependencies.secretsManager)
      : import("@aws-sdk/client-secrets-manager").then((sdk) => new sdk.SecretsManagerClient({}));
    return secretsManager;
  };
  const getSsm = (): Promise<SSMClient> => {
    ssm ??= dependencies.ssm
      ? Promise.resolve(dependencies.ssm)
      : import("@aws-sdk/client-ssm").then((sdk) => new sdk.SSMClient({}));
    return ssm;
  };

  const readFromAws = async (
    reference: SecretReference,
    signal: AbortSignal | undefined,
  ): Promise<string> => {
    if (reference.startsWith("secretsmanager:")) {
      return readSecretsManager(await getSecretsManager(), reference, signal);
    }
    if (reference.startsWith("ssm:")) {
      return readSsmParameter(await getSsm(), reference, signal);
    }
    throw new SecretNotFoundError(
      `Secret reference "${reference}" has an unknown scheme; use env:, secretsmanager: or ssm:.`,
    );
  };

  return {
    async resolve(reference, signal) {
      if (reference.startsWith("env:")) {
        return readEnv(env, reference);
      }
      const cached = cache.get(reference);
      if (cached && cached.expiresAt > now()) {
        return cached.value;
      }
      const value = await readFromAws(reference, signal);
      cache.set(reference, { value, expiresAt: now() + cacheTtlMs });
      return value;
    },
  };
}

function readEnv(env: Readonly<Record<string, string | undefined>>, reference: SecretReference): string {
  const name = reference.slice("env:".length);
  const value = env[name];
  if (value === undefined || value === "") {
    throw new SecretNotFoundError(
      `Secret reference "${reference}": environment variable ${name} is not set (or empty) in the turn function / local runtime.`,
    );
  }
  return value;
}

async function readSecretsManager(
  client: SecretsManagerClient,
  reference: SecretReference,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
  const target = reference.slice("secretsmanager:".length);
  const hashAt = target.indexOf("#");
  const secretId = hashAt === -1 ? target : target.slice(0, hashAt);
  const jsonKey = hashAt === -1 ? undefined : target.slice(hashAt + 1);

  let secretText: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: signal,
    });
    secretText =
      output.SecretString ??
      (output.SecretBinary ? new TextDecoder().decode(output.SecretBinary) : undefined);
  } catch (error) {
    if (errorName(error) === "ResourceNotFoundException") {
      throw new SecretNotFoundError(
        `Secret reference "${reference}": Secrets Manager has no secret "${secretId}".`,
      );
    }
    throw new SecretUnavailableError(
      `Secret reference "${reference}": could not read it from Secrets Manager (${describeAwsError(error)}).`,
      { cause: error },
    );
  }
  if (secretText === undefined || secretText === "") {
    throw new SecretNotFoundError(`Secret reference "${reference}": the secret has no value.`);
  }
  return jsonKey === undefined ? secretText : pickJsonKey(reference, secretText, jsonKey);
}

function pickJsonKey(reference: SecretReference, secretText: string, jsonKey: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretText);
  } catch {
    throw new SecretNotFoundError(
      `Secret reference "${reference}": the secret is not a JSON object, so key "${jsonKey}" cannot be read.`,
    );
  }
  const value = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, jsonKey) : undefined;
  if (value === undefined || value === null || value === "") {
    throw new SecretNotFoundError(`Secret reference "${reference}": the secret has no key "${jsonKey}".`);
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

async function readSsmParameter(
  client: SSMClient,
  reference: SecretReference,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
  const name = reference.slice("ssm:".length);
  let value: string | undefined;
  try {
    const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
      abortSignal: signal,
    });
    value = output.Parameter?.Value;
  } catch (error) {
    if (errorName(error) === "ParameterNotFound" || errorName(error) === "ParameterVersionNotFound") {
      throw new SecretNotFoundError(`Secret reference "${reference}": SSM has no parameter "${name}".`);
    }
    throw new SecretUnavailableError(
      `Secret reference "${reference}": could not read it from SSM Parameter Store (${describeAwsError(error)}).`,
      { cause: error },
    );
  }
  if (value === undefined || value === "") {
    throw new SecretNotFoundError(`Secret reference "${reference}": the parameter has no value.`);
  }
  return value;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function describeAwsError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
