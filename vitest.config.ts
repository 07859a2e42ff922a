import { defineConfig } from "vitest/config";

// Five tiers, each with its own folder and npm script (see README "Tests"):
// - unit:        pure logic, no network, no child processes (but the validator fuzz batch, run in
//                one so that an input aborting V8 is counted rather than killing the runner);
// - infra:       CDK Template assertions and the EventBridge reconciler against an SDK client mock;
// - integration: the real DynamoDB Local + SQS emulator (started by test/support/global-setup.ts)
//                and real processes/servers on loopback;
// - e2e:         the compiled `agentcron` CLI as a child process against the embedded local runtime;
// - chaos:       the seeded fault-injection simulation (`npm run chaos`) for a fixed set of seeds.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // Above the "stopped promptly" bound (test/support/wait.ts PROMPTLY_MS), so a missed stop
          // fails on its own assertion; vitest's default 5 s is a fixed instant on a busy machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "infra",
          sequence: { groupOrder: 1 },
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
          // A temp folder per file, removed after it: CDK's synth folders would pile up in /tmp.
          setupFiles: ["test/infra/support/scratch-tmpdir.ts"],
          // Synthesising the stack (in beforeAll) takes 12-18 s on a busy 2-core machine, past
          // vitest's default 10 s hook limit; a limit is only for a hang, so size it for a slow machine.
          testTimeout: 120_000,
          hookTimeout: 240_000,
          // Synthesising the stack bundles the Lambdas with esbuild; one worker keeps memory flat.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 2 },
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files share the two emulators; each test uses its own table and queues.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: "e2e",
          sequence: { groupOrder: 3 },
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          // Each file starts its own local runtime (DynamoDB Local, the SQS emulator, turns in child
          // processes) and drives it through the real `agentcron` executable; a scheduled fire can
          // take a minute to come.
          // Starting a runtime waits for DynamoDB Local (up to 120 s on a busy machine, see
          // local/emulators/dynamodb-local.ts); a hook limit below that would hide its own error.
          testTimeout: 180_000,
          hookTimeout: 240_000,
          globalSetup: ["test/e2e/support/compile-cli.ts"],
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
          fileParallelism: true,
          maxWorkers: 3,
        },
      },
      {
        test: {
          name: "chaos",
          sequence: { groupOrder: 4 },
          include: ["test/chaos/**/*.test.ts"],
          environment: "node",
          // Each simulation is its own process (DynamoDB Local, fauxqs, the handlers on simulated
          // time) and takes minutes on a busy 2-core machine; see RELIABILITY.md.
          testTimeout: 1_200_000,
        },
      },
    ],
  },
});
