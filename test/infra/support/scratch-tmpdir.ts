import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

// Each `new App()` without an outdir synthesises into a fresh `cdk.out*` folder under the system's
// temp folder and never removes it (bundled functions included: about 1 MB each, two dozen per
// run). Each infra test file gets its own temp folder instead — for its Apps and for the processes
// it starts (`cdk synth`, `tsx infra/app.ts`, which inherit TMPDIR) — removed when the file is done.
const systemTemp = tmpdir();
const scratch = mkdtempSync(join(systemTemp, "agentcron-infra-"));
process.env.TMPDIR = scratch;

afterAll(() => {
  process.env.TMPDIR = systemTemp;
  rmSync(scratch, { recursive: true, force: true });
});
