// `npm run deploy:local [-- cdk options]` and `npm run destroy:local [-- cdk options]`: the same app
// as `npm run deploy`, with cdklocal pointed at LocalStack (infra/localstack/cdklocal-environment.ts).
// deploy: waits for LocalStack to be healthy, bootstraps, deploys, writes the outputs to
// cdk.out/local-outputs.json; on failure prints LocalStack's logs. destroy: deletes the stack.
//
// Environment:
//   LOCALSTACK_ENDPOINT      default http://127.0.0.1:4566
//   LOCALSTACK_S3_ENDPOINT   default http://s3.localhost.localstack.cloud:<port> for a local endpoint
//   LOCALSTACK_WAIT_SECONDS  default 120
//   AGENTCRON_STAGE          default "local" (or pass -- -c stage=NAME)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stackNameOf } from "../naming.ts";
import {
  cdklocalEnvironment,
  contextArgument,
  requiredLocalStackServices,
  waitForLocalStack,
} from "./cdklocal-environment.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const [command = "deploy", ...extra] = process.argv.slice(2);
const endpoint = process.env.LOCALSTACK_ENDPOINT ?? "http://127.0.0.1:4566";
const contextValue = (key: string) => contextArgument(extra, key);
const stage = contextValue("stage") ?? process.env.AGENTCRON_STAGE ?? "local";
const stageArgs = contextValue("stage") ? [] : ["-c", `stage=${stage}`];
const environment = cdklocalEnvironment({
  endpoint,
  s3Endpoint: process.env.LOCALSTACK_S3_ENDPOINT,
  region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
});

function cdklocal(args: readonly string[]): number {
  console.log(`\n$ cdklocal ${args.join(" ")}`);
  const result = spawnSync("npx", ["cdklocal", ...args], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
    env: { ...process.env, ...environment },
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

const schedules = contextValue("schedules") === "scheduler" ? "scheduler" : "rules";
const health = await waitForLocalStack({
  endpoint,
  services: requiredLocalStackServices(schedules),
  waitSeconds: Number(process.env.LOCALSTACK_WAIT_SECONDS ?? 120),
});
console.log(
  `LocalStack ${health.version ?? ""} is ready at ${endpoint} (S3 at ${environment.AWS_ENDPOINT_URL_S3})`,
);

let status: number;
if (command === "destroy") {
  status = cdklocal(["destroy", stackNameOf(stage), "--force", ...stageArgs, ...extra]);
} else if (command === "deploy") {
  status =
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
} else {
  console.error(`agentcron: unknown command "${command}"; use deploy or destroy`);
  process.exit(2);
}
if (status !== 0) {
  dumpLocalStackLogs();
  process.exit(status);
}
console.log(
  command === "destroy"
    ? `\nStack ${stackNameOf(stage)} deleted.`
    : "\nDeployed. Stack outputs: cdk.out/local-outputs.json",
);
