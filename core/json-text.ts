/** Where a JSON text stops being JSON: 1-based line and column, and what was expected there. */
export interface JsonSyntaxProblem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type JsonTextResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: JsonSyntaxProblem };

/**
 * Parses a JSON document; when it is not JSON, says where (line and column, not V8's character
 * offset — and V8 gives none at all for some mistakes) and what is wrong there in words a person
 * editing the file can act on: a trailing comma, a missing comma, single quotes, a comment.
 */
export function parseJsonText(text: string): JsonTextResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const found = new JsonScanner(text).firstProblem();
    if (found) return { ok: false, problem: locate(text, found.offset, found.message) };
    // The scanner accepts what V8 refused (it should not): report V8's own words.
    const offset = Number(/at position (\d+)/.exec((error as Error).message)?.[1] ?? text.length);
    return { ok: false, problem: locate(text, offset, (error as Error).message) };
  }
}

/**
 * The problem as a person reads it: `line 3, column 5: expected ',' ...`, then the line with a
 * caret under the column.
 */
export function describeJsonProblem(text: string, problem: JsonSyntaxProblem): string {
  const lineText = text.split(/\r?\n/)[problem.line - 1] ?? "";
  const number = String(problem.line);
  const shown = lineText.length > 120 ? `${lineText.slice(0, 117)}...` : lineText;
  const caret = `${" ".repeat(Math.min(problem.column - 1, 120))}^`;
  return [
    `line ${problem.line}, column ${problem.column}: ${problem.message}`,
    `  ${number} | ${shown.replace(/\t/g, " ")}`,
    `  ${" ".repeat(number.length)} | ${caret}`,
  ].join("\n");
}

function locate(text: string, offset: number, message: string): JsonSyntaxProblem {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { offset, line, column, message };
}

class JsonSyntaxFound extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** A strict JSON (RFC 8259) recognizer whose only job is to find the first mistake and name it. */
class JsonScanner {
  private at = 0;

  constructor(private readonly text: string) {}

  firstProblem(): { offset: number; message: string } | undefined {
    try {
      if (this.text.charCodeAt(0) === 0xfeff) this.at = 1; // a byte-order mark is tolerated
      this.whitespace();
      if (this.at >= this.text.length) this.fail("the file is empty; expected a JSON document");
      this.value();
      this.whitespace();
      if (this.at < this.text.length) {
        this.fail("unexpected text after the end of the JSON document (an extra '}' or ']'?)");
      }
      return undefined;
    } catch (error) {
      if (error instanceof JsonSyntaxFound) return { offset: error.offset, message: error.message };
      throw error;
    }
  }

  private fail(message: string, offset = this.at): never {
    throw new JsonSyntaxFound(offset, message);
  }

  /** The character at the cursor ("" at the end); a method, so no check narrows it for good. */
  private peek(): string {
    return this.text[this.at] ?? "";
  }

  private whitespace(): void {
    while (this.at < this.text.length && /[ \t\r\n]/.test(this.peek())) this.at++;
    if (this.text.startsWith("//", this.at) || this.text.startsWith("/*", this.at)) {
      this.fail("comments are not allowed in JSON; remove it (a job's `description` can hold a note)");
    }
  }

  private value(): void {
    const char = this.peek();
    if (char === "{") this.object();
    else if (char === "[") this.array();
    else if (char === '"') this.string();
    else if (char === "-" || /[0-9]/.test(char)) this.number();
    else this.literal(char);
  }

  private literal(char: string): void {
    if (char === "'") this.fail("strings in JSON use double quotes, not single quotes");
    for (const literal of ["true", "false", "null"]) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return;
      }
    }
    if (this.at >= this.text.length)
      this.fail("the document ends too early (an unclosed '{', '[' or string?)");
    const word = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.at))?.[0];
    this.fail(
      word
        ? `unexpected ${JSON.stringify(word)}; expected a value: a string in double quotes, a number, an object, an array, true, false or null`
        : `unexpected ${JSON.stringify(char)}; expected a value: a string in double quotes, a number, an object, an array, true, false or null`,
    );
  }

  private object(): void {
    this.at++; // {
    this.whitespace();
    if (this.peek() === "}") {
      this.at++;
      return;
    }
    for (;;) {
      this.whitespace();
      this.propertyName();
      this.whitespace();
      if (this.peek() !== ":") this.fail("expected ':' after the property name");
      this.at++;
      this.whitespace();
      this.value();
      const afterValue = this.at;
      this.whitespace();
      if (this.peek() === ",") {
        const comma = this.at;
        this.at++;
        this.whitespace();
        if (this.peek() === "}") this.fail("a trailing comma: remove the ',' before '}'", comma);
        continue;
      }
      if (this.peek() === "}") {
        this.at++;
        return;
      }
      if (this.peek() === '"')
        this.fail("expected ',' between two properties (a missing comma?)", afterValue);
      if (this.at >= this.text.length) this.fail("the document ends inside an object: a '}' is missing");
      this.fail("expected ',' or '}' after a property value");
    }
  }

  private propertyName(): void {
    if (this.peek() === '"') {
      this.string();
      return;
    }
    if (this.peek() === "'") this.fail("property names in JSON use double quotes, not single quotes");
    if (/[A-Za-z_$]/.test(this.peek())) this.fail("property names in JSON need double quotes");
    if (this.at >= this.text.length) this.fail("the document ends inside an object: a '}' is missing");
    this.fail(`unexpected ${JSON.stringify(this.peek())}; expected a property name in double quotes`);
  }

  private array(): void {
    this.at++; // [
    this.whitespace();
    if (this.peek() === "]") {
      this.at++;
      return;
    }
    for (;;) {
      this.whitespace();
      this.value();
      const afterValue = this.at;
      this.whitespace();
      if (this.peek() === ",") {
        const comma = this.at;
        this.at++;
        this.whitespace();
        if (this.peek() === "]") this.fail("a trailing comma: remove the ',' before ']'", comma);
        continue;
      }
      if (this.peek() === "]") {
        this.at++;
        return;
      }
      if (this.at >= this.text.length) this.fail("the document ends inside an array: a ']' is missing");
      if (/[{["0-9tfn-]/.test(this.peek())) {
        this.fail("expected ',' between two array items (a missing comma?)", afterValue);
      }
      this.fail("expected ',' or ']' after an array item");
    }
  }

  private string(): void {
    const start = this.at;
    this.at++; // "
    for (;;) {
      if (this.at >= this.text.length) this.fail("this string is not closed: a '\"' is missing", start);
      const char = this.peek();
      if (char === '"') {
        this.at++;
        return;
      }
      if (char === "\n" || char === "\r")
        this.fail("a line break inside a string: write it as \\n, or close the string");
      if (char.charCodeAt(0) < 0x20) this.fail("a control character inside a string: escape it");
      if (char === "\\") {
        const escaped = this.text[this.at + 1] ?? "";
        if (escaped === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
            this.fail("\\u must be followed by four hexadecimal digits");
          }
          this.at += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escaped) || escaped === "") {
          this.fail(`"\\${escaped}" is not a JSON escape; write a backslash as \\\\`);
        }
        this.at += 2;
        continue;
      }
      this.at++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.at));
    if (!match) this.fail("not a number: JSON numbers look like 12, -3.5 or 1e6");
    this.at += match[0].length;
    if (/[0-9.xXeE]/.test(this.peek())) {
      this.fail(
        "not a JSON number (no leading zeros, hexadecimal or trailing '.'); write it as 12, 0.5 or 1e6",
      );
    }
  }
}
