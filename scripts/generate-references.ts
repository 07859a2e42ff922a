// `npm run docs:generate`: writes the references generated from the zod schemas —
// docs/harnesses.md (every harness's and plugin type's options) and schema/jobs.schema.json (the
// JSON Schema of a jobs file, which jobs.json names in `$schema`). test/unit/generated-references
// fails when a committed one is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { builtInCatalog } from "#adapters/catalog.ts";
import { jobSetJsonSchema } from "#core/jobs/job-set-json-schema.ts";
import { harnessReferenceMarkdown, referenceEntries } from "../cli/render/harness-reference.ts";

/** The command that regenerates them, for messages. */
export const REGENERATE = "npm run docs:generate";

/** Each generated file: its path from the repository root, and what it must contain. */
export function generatedReferences(): { readonly path: string; readonly content: string }[] {
  const catalog = builtInCatalog;
  return [
    { path: "docs/harnesses.md", content: harnessReferenceMarkdown(referenceEntries(catalog)) },
    { path: "schema/jobs.schema.json", content: `${JSON.stringify(jobSetJsonSchema(catalog), null, 2)}\n` },
  ];
}

const root = fileURLToPath(new URL("..", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of generatedReferences()) {
    const path = `${root}${file.path}`;
    let current: string | undefined;
    try {
      current = readFileSync(path, "utf8");
    } catch {
      current = undefined;
    }
    if (current === file.content) {
      process.stdout.write(`unchanged ${file.path}\n`);
    } else {
      writeFileSync(path, file.content);
      process.stdout.write(`wrote     ${file.path}\n`);
    }
  }
}
