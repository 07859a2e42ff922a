import { builtInCatalog } from "#adapters/catalog.ts";
import { optionsJsonSchema } from "#core/agents/option-fields.ts";
import { closestMatch } from "#core/validation.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, UsageError } from "../exit-codes.ts";
import { referenceEntries, renderReferenceEntry, renderReferenceList } from "../render/harness-reference.ts";

/**
 * `harnesses [NAME]`: the harnesses and plugin types this build registers, or one of them with
 * every option it accepts — generated from the schemas that validate jobs, so it cannot drift
 * from them. Needs no deployment.
 */
export async function harnessesCommand(ctx: CommandContext, name: string | undefined): Promise<ExitCode> {
  const catalog = builtInCatalog;
  const entries = referenceEntries(catalog);
  const { out } = ctx;
  if (name === undefined) {
    out.data({
      harnesses: [...catalog.harnesses.values()].map((harness) => ({
        name: harness.name,
        description: harness.description,
        options: optionsJsonSchema(harness.optionsSchema),
      })),
      pluginTypes: [...catalog.pluginTypes.values()].map((pluginType) => ({
        name: pluginType.type,
        description: pluginType.description,
        options: optionsJsonSchema(pluginType.optionsSchema),
      })),
    });
    out.lines(renderReferenceList(entries, out.style));
    return EXIT.ok;
  }
  const matching = entries.filter((entry) => entry.name === name);
  if (matching.length === 0) {
    const suggestion = closestMatch(
      name,
      entries.map((entry) => entry.name),
    );
    throw new UsageError(
      `"${name}" is neither a harness nor a plugin type of this build${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; ` +
        `harnesses: ${[...catalog.harnesses.keys()].join(", ")}; plugin types: ${[...catalog.pluginTypes.keys()].join(", ")}`,
    );
  }
  out.data(
    matching.map((entry) => {
      const descriptor =
        entry.kind === "harness" ? catalog.harnesses.get(entry.name) : catalog.pluginTypes.get(entry.name);
      return {
        kind: entry.kind,
        name: entry.name,
        description: entry.description,
        options: descriptor ? optionsJsonSchema(descriptor.optionsSchema) : null,
      };
    }),
  );
  matching.forEach((entry, index) => {
    if (index > 0) out.line("");
    out.lines(renderReferenceEntry(entry, out.style));
  });
  return EXIT.ok;
}
