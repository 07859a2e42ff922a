import { describe, expect, it } from "vitest";
import { describeJsonProblem, parseJsonText } from "#core/json-text.ts";

/** The problem found in `text`, as line:column and message. */
function problemIn(text: string) {
  const result = parseJsonText(text);
  if (result.ok) throw new Error("expected a syntax error");
  const { line, column, message } = result.problem;
  return { at: `${line}:${column}`, message };
}

describe("where a jobs file stops being JSON", () => {
  it("parses valid JSON as JSON.parse does", () => {
    expect(parseJsonText('{ "jobs": [ { "id": "a", "n": -1.5e3 } ] }')).toEqual({
      ok: true,
      value: { jobs: [{ id: "a", n: -1500 }] },
    });
  });

  it("gives the line and column of a missing comma between two properties, at the end of the first", () => {
    const text = '{\n  "jobs": [\n    { "id": "a"\n      "schedule": "rate(1 hour)" }\n  ]\n}';
    expect(problemIn(text)).toEqual({
      at: "3:16",
      message: "expected ',' between two properties (a missing comma?)",
    });
  });

  it("points at a trailing comma", () => {
    expect(problemIn('{\n  "jobs": [\n    { "id": "a" },\n  ]\n}')).toEqual({
      at: "3:18",
      message: "a trailing comma: remove the ',' before ']'",
    });
    expect(problemIn('{ "id": "a", }')).toEqual({
      at: "1:12",
      message: "a trailing comma: remove the ',' before '}'",
    });
  });

  it("names single quotes, unquoted names, comments and bare words", () => {
    expect(problemIn("{ 'id': 'a' }").message).toBe(
      "property names in JSON use double quotes, not single quotes",
    );
    expect(problemIn("{ id: 1 }").message).toBe("property names in JSON need double quotes");
    expect(problemIn('{\n  // the inbox job\n  "id": 1 }')).toEqual({
      at: "2:3",
      message: "comments are not allowed in JSON; remove it (a job's `description` can hold a note)",
    });
    expect(problemIn('{ "enabled": tru }').message).toMatch(/^unexpected "tru"; expected a value/);
  });

  it("says where a file ends too early, and an empty file", () => {
    expect(problemIn('{ "jobs": [ { "id": "a" }').message).toBe(
      "the document ends inside an array: a ']' is missing",
    );
    expect(problemIn('{ "id": "abc').message).toBe("this string is not closed: a '\"' is missing");
    expect(problemIn("  \n").message).toBe("the file is empty; expected a JSON document");
  });

  it("shows the line with a caret under the column", () => {
    const text = '{\n  "id": "a",\n  "n": 012\n}';
    const result = parseJsonText(text);
    if (result.ok) throw new Error("expected a syntax error");
    expect(describeJsonProblem(text, result.problem)).toBe(
      [
        "line 3, column 9: not a JSON number (no leading zeros, hexadecimal or trailing '.'); write it as 12, 0.5 or 1e6",
        '  3 |   "n": 012',
        "    |         ^",
      ].join("\n"),
    );
  });
});
