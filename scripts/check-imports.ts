// `npm run lint` (after Biome): fails when a file breaks the project's layering (scripts/import-rules.ts).
// Usage: tsx scripts/check-imports.ts [ROOT] — ROOT defaults to the working directory.
import { resolve } from "node:path";
import { findImportViolations, formatViolation } from "./import-rules.ts";

const root = resolve(process.argv[2] ?? ".");
const { violations, filesChecked } = findImportViolations(root);
if (violations.length > 0) {
  console.error(
    `import rules: ${violations.length} violation${violations.length === 1 ? "" : "s"} in ${filesChecked} files:`,
  );
  for (const violation of violations) console.error(`- ${formatViolation(violation)}`);
  process.exit(1);
}
console.log(`import rules: ${filesChecked} files checked, no violations.`);
