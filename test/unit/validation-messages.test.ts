import { describe, expect, it } from "vitest";
import { closestMatch, describeUnknownKey } from "#core/validation.ts";

const JOB_FIELDS = ["id", "schedule", "enabled", "agent", "plugins", "timeouts", "overlap", "retryOnStall"];

describe("the field a misspelt one most likely meant", () => {
  it("finds a letter too many, too few, a wrong one, two swapped, or another case", () => {
    expect(closestMatch("overlapp", JOB_FIELDS)).toBe("overlap");
    expect(closestMatch("schedle", JOB_FIELDS)).toBe("schedule");
    expect(closestMatch("plugons", JOB_FIELDS)).toBe("plugins");
    expect(closestMatch("ovelrap", JOB_FIELDS)).toBe("overlap");
    expect(closestMatch("retryonstall", JOB_FIELDS)).toBe("retryOnStall");
  });

  it("suggests nothing for a word that is not a typo of any of them", () => {
    expect(closestMatch("colour", JOB_FIELDS)).toBeUndefined();
    expect(closestMatch("ab", JOB_FIELDS)).toBeUndefined();
  });
});

describe("what is said of a key that is not accepted", () => {
  it("points a credential to the reference field that takes it", () => {
    expect(describeUnknownKey("apiKey", ["apiKeyRef", "baseUrl"], { noun: "option" })).toBe(
      'option "apiKey" is not accepted: credentials never go in a job definition. Store the value as a secret and set "apiKeyRef" to its reference (env:NAME, secretsmanager:NAME_OR_ARN[#jsonKey] or ssm:/parameter/name)',
    );
  });

  it("prefers the schema's own explanation of a key it refuses on purpose", () => {
    expect(
      describeUnknownKey("temperature", ["maxTokens"], {
        noun: "option",
        hints: { temperature: "this API version rejects it" },
      }),
    ).toBe('option "temperature" is not accepted: this API version rejects it');
  });
});
