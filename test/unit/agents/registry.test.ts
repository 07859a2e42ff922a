import { describe, expect, it } from "vitest";
import { builtInHarnesses } from "#adapters/harnesses/index.ts";
import { builtInPluginTypes } from "#adapters/plugins/index.ts";

describe("built-in registries", () => {
  it("list the six harnesses under unique names, each with an options schema", () => {
    const names = builtInHarnesses.map((harness) => harness.name);

    expect(names).toEqual(["anthropic", "bedrock", "openai", "a2a", "command", "demo"]);
    for (const harness of builtInHarnesses) {
      expect(harness.description).not.toBe("");
      expect(typeof harness.optionsSchema.safeParse).toBe("function");
    }
  });

  it("list the mcp plugin type", () => {
    expect(builtInPluginTypes.map((pluginType) => pluginType.type)).toEqual(["mcp"]);
  });

  it("accept an empty options object for every harness that needs no required option", () => {
    const accepting = builtInHarnesses
      .filter((harness) => harness.optionsSchema.safeParse({}).success)
      .map((harness) => harness.name);

    expect(accepting).toEqual(["anthropic", "bedrock", "openai", "demo"]);
  });
});
