import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findImportViolations, formatViolation } from "#scripts/import-rules.ts";

const REPOSITORY_ROOT = fileURLToPath(new URL("../..", import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), "agentcron-import-rules-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A small project with the repository's import map and the given files. */
function plantProject(files: Record<string, string>): string {
  const root = mkdtempSync(join(scratch, "project-"));
  const imports = Object.fromEntries(
    ["core", "adapters", "functions", "infra", "local", "cli"].map((folder) => [
      `#${folder}/*`,
      `./${folder}/*`,
    ]),
  );
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", imports }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the import rules (npm run lint)", () => {
  it("hold in this repository: core imports no adapter or SDK, adapters no wiring, functions no infra", () => {
    const { violations, filesChecked } = findImportViolations(REPOSITORY_ROOT);

    expect(violations.map(formatViolation)).toEqual([]);
    expect(filesChecked).toBeGreaterThan(50);
  });

  it("report each planted violation with its file, line and what it reaches — static, type-only, relative and dynamic", () => {
    // Prepare
    const root = plantProject({
      "core/ports.ts": "export interface Clock { now(): number }\n",
      "core/runs/leaky.ts": [
        'import { z } from "zod";',
        'import type { Clock } from "../ports.ts";',
        'import { createSqsQueue } from "#adapters/sqs/sqs-queue.ts";',
        'import type { SQSClient } from "@aws-sdk/client-sqs";',
        'export { helper } from "../../local/helper.ts";',
        'export const load = () => import("#functions/commons/dependencies.ts");',
      ].join("\n"),
      "adapters/sqs/wired.ts": 'import { ENVIRONMENT } from "#functions/commons/environment.ts";\n',
      "functions/handlers/stacky.ts": 'import { FUNCTION_RUNTIME } from "../../infra/lambda-function.ts";\n',
      "functions/commons/fine.ts": 'import { createSqsQueue } from "#adapters/sqs/sqs-queue.ts";\n',
    });

    // Act
    const { violations } = findImportViolations(root);

    // Assess
    expect(
      violations.map(({ file, line, specifier, reaches }) => ({ file, line, specifier, reaches })),
    ).toEqual([
      { file: "core/runs/leaky.ts", line: 3, specifier: "#adapters/sqs/sqs-queue.ts", reaches: "adapters/" },
      {
        file: "core/runs/leaky.ts",
        line: 4,
        specifier: "@aws-sdk/client-sqs",
        reaches: "the package @aws-sdk/*",
      },
      { file: "core/runs/leaky.ts", line: 5, specifier: "../../local/helper.ts", reaches: "local/" },
      {
        file: "core/runs/leaky.ts",
        line: 6,
        specifier: "#functions/commons/dependencies.ts",
        reaches: "functions/",
      },
      {
        file: "adapters/sqs/wired.ts",
        line: 1,
        specifier: "#functions/commons/environment.ts",
        reaches: "functions/",
      },
      {
        file: "functions/handlers/stacky.ts",
        line: 1,
        specifier: "../../infra/lambda-function.ts",
        reaches: "infra/",
      },
    ]);
    expect(formatViolation(violations[0] as (typeof violations)[number])).toBe(
      'core/runs/leaky.ts:3 imports "#adapters/sqs/sqs-queue.ts", which reaches adapters/; core/ may not import it: ' +
        "the core is plain TypeScript over ports; declare what it needs as a port in core/ports.ts and implement it in adapters/",
    );
  });
});
