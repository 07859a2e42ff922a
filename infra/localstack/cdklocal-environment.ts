/**
 * The environment `cdklocal` (aws-cdk-local 3.x) runs in, for `npm run deploy:local` and
 * `npm run destroy:local`. aws-cdk-local 3.x refuses to start when AWS_ENDPOINT_URL is set without
 * AWS_ENDPOINT_URL_S3 ("If specifying 'AWS_ENDPOINT_URL' then 'AWS_ENDPOINT_URL_S3' must be
 * specified"): the CDK uploads assets to S3 with virtual-hosted URLs (`<bucket>.<host>`), which a
 * bare IP cannot serve, so S3 goes to `s3.localhost.localstack.cloud` (a public name that resolves
 * to 127.0.0.1, with a wildcard for bucket subdomains) on the same port.
 */

export interface CdklocalEnvironmentOptions {
  /** Where LocalStack answers. @default http://127.0.0.1:4566 */
  readonly endpoint?: string;
  /** S3's endpoint, when the default derived from `endpoint` does not fit. */
  readonly s3Endpoint?: string;
  /** @default us-east-1 */
  readonly region?: string;
}

export interface CdklocalEnvironment {
  readonly AWS_ENDPOINT_URL: string;
  readonly AWS_ENDPOINT_URL_S3: string;
  readonly AWS_REGION: string;
  readonly AWS_DEFAULT_REGION: string;
  /** cdklocal drops every other AWS_* variable (a real profile is never used by mistake). */
  readonly AWS_ENVAR_ALLOWLIST: string;
}

/** The endpoint or the S3 endpoint cannot be used; the message says what to set. */
export class LocalStackEndpointError extends Error {
  override name = "LocalStackEndpointError";
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "localhost.localstack.cloud", "[::1]"]);

/**
 * The variables to add to the environment `cdklocal` runs with: the endpoint for every service, a
 * virtual-host-capable one for S3, and the region.
 *
 * @throws LocalStackEndpointError when `endpoint` is not an http(s) URL, or is not on this machine
 *   and no `s3Endpoint` says where S3 is.
 */
export function cdklocalEnvironment(options: CdklocalEnvironmentOptions = {}): CdklocalEnvironment {
  const endpoint = (options.endpoint ?? "http://127.0.0.1:4566").replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new LocalStackEndpointError(
      `LOCALSTACK_ENDPOINT "${endpoint}" is not a URL; use e.g. http://127.0.0.1:4566`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LocalStackEndpointError(`LOCALSTACK_ENDPOINT "${endpoint}" must be http:// or https://`);
  }
  const region = options.region ?? "us-east-1";
  let s3Endpoint = options.s3Endpoint?.replace(/\/+$/, "");
  if (!s3Endpoint) {
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      throw new LocalStackEndpointError(
        `LocalStack at ${endpoint} is not on this machine, so S3's endpoint cannot be derived: set LOCALSTACK_S3_ENDPOINT ` +
          "to a URL whose bucket subdomains resolve to it (aws-cdk-local uploads assets to <bucket>.<host>)",
      );
    }
    s3Endpoint = `${url.protocol}//s3.localhost.localstack.cloud:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
  }
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: s3Endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENVAR_ALLOWLIST: "AWS_REGION,AWS_DEFAULT_REGION",
  };
}

/** Services the stack deploys to: LocalStack must report each available before cdklocal runs. */
export function requiredLocalStackServices(schedules: "rules" | "scheduler"): string[] {
  return [
    "cloudformation",
    "s3",
    "ssm",
    "iam",
    "sts",
    "lambda",
    "dynamodb",
    "sqs",
    "events",
    "sns",
    "kms",
    "logs",
    "cloudwatch",
    ...(schedules === "scheduler" ? ["scheduler"] : []),
  ];
}

export interface LocalStackHealth {
  readonly version?: string;
  readonly services?: Record<string, string>;
}

/**
 * Polls `<endpoint>/_localstack/health` until every required service is available or running.
 *
 * @throws Error naming what was still not ready, and how to start LocalStack, after `waitSeconds`.
 */
export async function waitForLocalStack(options: {
  endpoint: string;
  services: readonly string[];
  waitSeconds: number;
  pollMs?: number;
}): Promise<LocalStackHealth> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  let lastProblem = "no answer yet";
  for (;;) {
    try {
      const response = await fetch(`${options.endpoint.replace(/\/+$/, "")}/_localstack/health`, {
        signal: AbortSignal.timeout(3000),
      });
      const health = (await response.json()) as LocalStackHealth;
      const unavailable = options.services.filter(
        (service) => !["available", "running"].includes(health.services?.[service] ?? "missing"),
      );
      if (response.ok && unavailable.length === 0) return health;
      lastProblem = response.ok
        ? `not ready: ${unavailable.map((service) => `${service}=${health.services?.[service] ?? "missing"}`).join(", ")}`
        : `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
  throw new Error(
    `LocalStack at ${options.endpoint} was not healthy after ${options.waitSeconds}s (${lastProblem}). ` +
      "Start it with: docker compose -f localstack-compose.yml up -d",
  );
}

/** The value of `-c key=value` (or `--context key=value`) among CDK arguments, if given. */
export function contextArgument(args: readonly string[], key: string): string | undefined {
  for (let i = 0; i < args.length - 1; i++) {
    if ((args[i] === "-c" || args[i] === "--context") && args[i + 1]?.startsWith(`${key}=`)) {
      return args[i + 1]?.slice(key.length + 1);
    }
  }
  return undefined;
}
