import { describe, expect, it } from "vitest";
import { builtInCatalog } from "#adapters/catalog.ts";
import { builtInRegistry } from "#adapters/registry.ts";

describe("the built-in catalog (what dispatch, sweep and job apply validate jobs with)", () => {
  it("lists exactly the registry's harnesses and plugin types, with the very same option schemas", () => {
    // Act
    const fromDescriptors = builtInCatalog;
    const fromImplementations = builtInRegistry.catalog;

    // Assess: a harness added to one list and not the other would be admitted by dispatch but
    // unknown to the turn, or the reverse.
    expect([...fromDescriptors.harnesses.keys()]).toEqual([...fromImplementations.harnesses.keys()]);
    expect([...fromDescriptors.pluginTypes.keys()]).toEqual([...fromImplementations.pluginTypes.keys()]);
    for (const [name, descriptor] of fromDescriptors.harnesses) {
      const implementation = fromImplementations.harnesses.get(name);
      expect(implementation?.optionsSchema).toBe(descriptor.optionsSchema);
      expect(implementation?.description).toBe(descriptor.description);
    }
    for (const [type, descriptor] of fromDescriptors.pluginTypes) {
      expect(fromImplementations.pluginTypes.get(type)?.optionsSchema).toBe(descriptor.optionsSchema);
    }
  });
});
