// `npm run bench:bundles`: synthesises the stack (`cdk synth`, which bundles each function with
// esbuild) into a temporary folder and prints each function's asset size as Markdown, for
// BENCHMARKS.md. `-- --out DIR` keeps the synthesised output in DIR.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deflateRawSync } from "node:zlib";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const out = values.out ?? mkdtempSync(join(tmpdir(), "agentcron-synth-"));

try {
  console.error(`bench: cdk synth into ${out} ...`);
  execFileSync("npx", ["cdk", "synth", "--quiet", "-o", out], { stdio: ["ignore", "ignore", "inherit"] });
  const templateFile = readdirSync(out).find((name) => name.endsWith(".template.json"));
  if (!templateFile) throw new Error(`cdk synth wrote no template into ${out}`);
  const template = JSON.parse(readFileSync(join(out, templateFile), "utf8")) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const rows: string[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const name = String(resource.Properties.FunctionName);
    const key = (resource.Properties.Code as { S3Key?: string }).S3Key ?? "";
    const assetDir = join(out, `asset.${key.split(".")[0]}`);
    const files = readdirSync(assetDir);
    const code = statSync(join(assetDir, "index.mjs")).size;
    const total = files.reduce((sum, file) => sum + statSync(join(assetDir, file)).size, 0);
    // What the zip Lambda receives weighs, roughly: each file deflated.
    const deflated = files.reduce(
      (sum, file) => sum + deflateRawSync(readFileSync(join(assetDir, file))).length,
      0,
    );
    rows.push(`| ${name} | ${kb(code)} | ${kb(total)} | ${kb(deflated)} |`);
  }
  console.log("| function | index.mjs | with source map | deflated (≈ zip) |");
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
} finally {
  if (!values.out) rmSync(out, { recursive: true, force: true });
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}
