import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { describe, expect, it } from "vitest";
import { builtInRegistry } from "#adapters/registry.ts";
import { JOB_FIELD_DOCS } from "#core/jobs/job-field-docs.ts";
import { validateJobSet } from "#core/jobs/job-set.ts";
import { jobFieldPaths } from "#core/jobs/job-set-json-schema.ts";
import { generatedReferences, REGENERATE } from "../../scripts/generate-references.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

describe("the references generated from the schemas", () => {
  it.each(generatedReferences().map((file) => [file.path, file.content]))(
    "%s is committed as the schemas generate it",
    (path, content) => {
      const committed = read(path);
      // A failure here means a schema changed without its reference: regenerate and commit.
      expect(committed === content, `${path} is stale: run \`${REGENERATE}\` and commit the result`).toBe(
        true,
      );
    },
  );

  it("describes every field of a job (core/jobs/job-field-docs.ts)", () => {
    const undescribed = jobFieldPaths().filter((path) => JOB_FIELD_DOCS[path] === undefined);
    expect(undescribed, "describe these in core/jobs/job-field-docs.ts").toEqual([]);
  });
});

describe("schema/jobs.schema.json, as an editor's JSON Schema validator reads it", () => {
  const schema = JSON.parse(read("schema/jobs.schema.json"));
  const validate = new Ajv({ allErrors: true, strict: true, formats: { uri: true } }).compile(schema);
  const errorsOf = (document: unknown) =>
    validate(document)
      ? []
      : (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath} ${error.message}`);
  const job = (extra: Record<string, unknown> = {}, agent: Record<string, unknown> = {}) => ({
    id: "triage",
    schedule: "rate(5 minutes)",
    agent: { harness: "demo", prompt: "Triage", ...agent },
    ...extra,
  });

  it("accepts the repository's jobs.json, which names it in $schema, and so does agentcron", () => {
    const jobsFile = JSON.parse(read("jobs.json"));
    expect(jobsFile.$schema).toBe("./schema/jobs.schema.json");
    expect(errorsOf(jobsFile)).toEqual([]);
    const loaded = validateJobSet(jobsFile, { catalog: builtInRegistry.catalog });
    expect(loaded.ok).toBe(true);
  });

  it("refuses a misspelt field, an unknown harness and a value out of bounds, as agentcron does", () => {
    expect(errorsOf({ jobs: [job({ overlapp: "skip" })] })).toContainEqual(
      "/jobs/0 must NOT have additional properties",
    );
    expect(errorsOf({ jobs: [job({}, { harness: "gpt-magic" })] })).toContainEqual(
      "/jobs/0/agent/harness must be equal to one of the allowed values",
    );
    expect(errorsOf({ jobs: [job({ timeouts: { agentTurnSeconds: 5000 } })] })).toContainEqual(
      "/jobs/0/timeouts/agentTurnSeconds must be <= 900",
    );
  });

  it("checks agent.options against the chosen harness's own options, and plugin options against the plugin type's", () => {
    expect(errorsOf({ jobs: [job({}, { options: { delayMs: 10, failRate: 0.5 } })] })).toEqual([]);
    expect(errorsOf({ jobs: [job({}, { options: { delayMS: 10 } })] })).toContainEqual(
      "/jobs/0/agent/options must NOT have additional properties",
    );
    expect(
      errorsOf({ jobs: [job({}, { harness: "command", options: { args: ["--json"] } })] }),
    ).toContainEqual("/jobs/0/agent/options must have required property 'command'");
    const plugin = { name: "search", type: "mcp", options: { transport: "stdio", url: "http://x" } };
    expect(errorsOf({ jobs: [job({ plugins: [plugin] })] }).join("\n")).toContain(
      "/jobs/0/plugins/0/options must have required property 'command'",
    );
  });
});
