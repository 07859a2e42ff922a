import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleState } from "../../../cli/build.mjs";
import { versionText } from "../../../cli/program.ts";

describe("whether the compiled CLI is current", () => {
  let root: string;
  const outDir = () => join(root, "dist", "cli");
  const builtAtMs = Date.parse("2026-11-22T05:00:00Z");

  /** A build in `root` that read `inputs`, made at `builtAtMs`; each input last changed `ageMs` before it. */
  function build(inputs: readonly string[], ageMs = 60_000) {
    mkdirSync(outDir(), { recursive: true });
    writeFileSync(join(outDir(), "main.mjs"), "export {};\n");
    writeFileSync(join(outDir(), "inputs.json"), JSON.stringify({ builtAtMs, inputs }));
    for (const input of inputs) touch(input, builtAtMs - ageMs);
  }
  function touch(input: string, atMs: number) {
    mkdirSync(join(root, input, ".."), { recursive: true });
    writeFileSync(join(root, input), "// source\n");
    utimesSync(join(root, input), atMs / 1000, atMs / 1000);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "agentcron-build-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is missing before the first build", () => {
    expect(bundleState({ root, outDir: outDir() })).toEqual({ state: "missing" });
  });

  it("is fresh when no input changed since the build", () => {
    build(["cli/main.ts", "core/errors.ts", "package-lock.json"]);
    expect(bundleState({ root, outDir: outDir() })).toEqual({ state: "fresh" });
  });

  it("is stale, naming the file, when a source changed after the build", () => {
    build(["cli/main.ts", "core/errors.ts"]);
    touch("core/errors.ts", builtAtMs + 1000);
    expect(bundleState({ root, outDir: outDir() })).toEqual({
      state: "stale",
      reason: "core/errors.ts changed",
    });
  });

  it("is stale when a source it was built from is gone", () => {
    build(["cli/main.ts", "cli/old-command.ts"]);
    rmSync(join(root, "cli/old-command.ts"));
    expect(bundleState({ root, outDir: outDir() })).toEqual({
      state: "stale",
      reason: "cli/old-command.ts is gone",
    });
  });

  it("is missing when the entry point was deleted but the manifest remains", () => {
    build(["cli/main.ts"]);
    rmSync(join(outDir(), "main.mjs"));
    expect(bundleState({ root, outDir: outDir() }).state).toBe("missing");
  });
});

describe("agentcron --version", () => {
  it("says when the CLI runs from source (the compiled build says when it was compiled)", () => {
    expect(versionText()).toBe("agentcron (running from source)");
  });
});
