// `npm run deploy:local [-- cdk options]`: deploys the stack to LocalStack with cdklocal — the
// same app as `npm run deploy`, only the endpoint differs. Waits for LocalStack to be healthy,
// bootstraps, deploys; on failure prints the LocalStack logs.
//
// Environment:
//   LOCALSTACK_ENDPOINT      default http://127.0.0.1:4566
//   LOCALSTACK_WAIT_SECONDS  default 120
//   AGENTCRON_STAGE          default "local" (or pass -- -c stage=NAME)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const endpoint = process.env.LOCALSTACK_ENDPOINT ?? "http://127.0.0.1:4566";
const waitSeconds = Number(process.env.LOCALSTACK_WAIT_SECONDS ?? 120);
const stage = process.env.AGENTCRON_STAGE ?? "local";
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";

/** Services the stack deploys to; LocalStack must report each of them available. */
const REQUIRED_SERVICES = [
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
] as const;

interface Health {
  readonly version?: string;
  readonly services?: Record<string, string>;
}

async function waitForLocalStack(): Promise<Health> {
  const deadline = Date.now() + waitSeconds * 1000;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(3000) });
      const health = (await response.json()) as Health;
      const unavailable = REQUIRED_SERVICES.filter(
        (service) => !["available", "running"].includes(health.services?.[service] ?? "missing"),
      );
      if (response.ok && unavailable.length === 0) return health;
      lastProblem = `not ready: ${unavailable.map((service) => `${service}=${health.services?.[service] ?? "missing"}`).join(", ")}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(
    `LocalStack at ${endpoint} was not healthy after ${waitSeconds}s (${lastProblem}). ` +
      "Start it with: docker compose -f localstack-compose.yml up -d",
  );
}

function cdklocal(args: readonly string[]): number {
  console.log(`\n$ cdklocal ${args.join(" ")}`);
  const result = spawnSync("npx", ["cdklocal", ...args], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
    env: {
      ...process.env,
      // cdklocal drops AWS_* variables (so a real profile can never be used by mistake) except these.
      AWS_ENVAR_ALLOWLIST: "AWS_REGION,AWS_DEFAULT_REGION",
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
    },
  });
  return result.status ?? 1;
}

function dumpLocalStackLogs(): void {
  console.error("\nLast LocalStack log lines:");
  spawnSync("docker", ["compose", "-f", "localstack-compose.yml", "logs", "--tail", "200", "localstack"], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
  });
}

const health = await waitForLocalStack();
console.log(`LocalStack ${health.version ?? ""} is ready at ${endpoint}`);
const extra = process.argv.slice(2);
const stageArgs = extra.some((arg) => arg.startsWith("stage=")) ? [] : ["-c", `stage=${stage}`];
const status =
  cdklocal(["bootstrap", ...stageArgs]) ||
  cdklocal([
    "deploy",
    "--require-approval",
    "never",
    "--outputs-file",
    "cdk.out/local-outputs.json",
    ...stageArgs,
    ...extra,
  ]);
if (status !== 0) {
  dumpLocalStackLogs();
  process.exit(status);
}
console.log("\nDeployed. Stack outputs: cdk.out/local-outputs.json");
