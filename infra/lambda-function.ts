import { fileURLToPath } from "node:url";
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { type BundlingOptions, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { ENVIRONMENT } from "#functions/commons/environment.ts";

/** The repository root: esbuild resolves the package.json `imports` (#core/*, ...) from here. */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The newest Node.js runtime this CDK knows. Node 24 is what the code is written for (ES2023, fetch,
 * AbortSignal.any); ARM64 (Graviton) is cheaper per GB-second for the same work.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * esbuild, locally (never Docker: `forceDockerBundling: false`, and esbuild is a devDependency):
 * - ESM, like the source; the banner gives bundled CommonJS dependencies a `require`.
 * - Everything bundled, the AWS SDK included: the deployed code runs the SDK versions it was tested
 *   with, not whatever the runtime ships.
 * - Minified, with source maps (mappings only) that NODE_OPTIONS=--enable-source-maps applies to
 *   stack traces, so errors point at the TypeScript.
 */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: "node24",
  mainFields: ["module", "main"],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: [],
  forceDockerBundling: false,
  banner:
    "import{createRequire as agentcronCreateRequire}from'node:module';const require=agentcronCreateRequire(import.meta.url);",
};

export interface AgentcronFunctionProps {
  /** `agentcron-<stage>-<name>` is the function's name; POWERTOOLS_SERVICE_NAME is `serviceName`. */
  readonly functionName: string;
  /** The service name on logs and metrics (the `service` dimension every alarm filters on). */
  readonly serviceName: string;
  /** Path of the entry file, relative to the repository root (`functions/dispatch.ts`). */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted. A retained group gets a generated
   * name (see the constructor). @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Concurrency reserved for (and capping) this function.
   * @default none — the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
}

/**
 * A Lambda function the agentcron way: NodejsFunction (esbuild), Node 24 on ARM64, its own role
 * with no managed policies (every permission is added by a binding, see bindings.ts), and its own
 * log group with a retention, which the role may write to and nothing else.
 */
export class AgentcronFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AgentcronFunctionProps) {
    super(scope, id);
    const removalPolicy = props.logRemovalPolicy ?? RemovalPolicy.DESTROY;
    this.logGroup = new logs.LogGroup(this, "Logs", {
      // A group kept when the stack is deleted (prod) must not have a fixed name: re-creating the
      // stack would fail on "already exists". It gets a generated one (the function logs to it by
      // its logging config); the stack outputs name it, and the old group keeps its logs.
      logGroupName: removalPolicy === RemovalPolicy.RETAIN ? undefined : `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    // Not AWSLambdaBasicExecutionRole: that one may create any log group and write to all of them.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.functionName}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, "Function", {
      functionName: props.functionName,
      description: props.description,
      entry: fileURLToPath(new URL(`../${props.entry}`, import.meta.url)),
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fileURLToPath(new URL("../package-lock.json", import.meta.url)),
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        [ENVIRONMENT.serviceName]: props.serviceName,
      },
      bundling: BUNDLING,
    });
  }
}
