import { z } from "zod";
import { SECRET_REFERENCE_PATTERN } from "./secrets.ts";

/** One option of a harness or plugin type, as its reference shows it. */
export interface OptionField {
  readonly name: string;
  /** For people: `integer 0-1000`, `secret reference`, `"max_tokens" | "max_completion_tokens"`. */
  readonly type: string;
  readonly required: boolean;
  /** The default, as JSON (`4096`, `"env:ANTHROPIC_API_KEY"`), when the schema has one. */
  readonly default?: string;
  readonly description?: string;
}

/** The options of one shape; a type whose options depend on a discriminator has several. */
export interface OptionVariant {
  /** `transport: "stdio"` for a variant of a discriminated union; undefined otherwise. */
  readonly when?: string;
  readonly fields: readonly OptionField[];
}

/** A JSON Schema node, as far as the reference reads it. */
export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchemaNode;
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly propertyNames?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly description?: string;
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** The JSON Schema of an options schema as a user writes the options (defaults not required). */
export function optionsJsonSchema(schema: z.ZodType): JsonSchemaNode & Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Record<
    string,
    unknown
  >;
  return withoutSafeIntegerBounds(rest) as JsonSchemaNode & Record<string, unknown>;
}

/**
 * The options a harness's or plugin type's zod schema accepts, with their types, defaults and
 * descriptions (the schema's `.describe()` texts): the source of `agentcron harnesses NAME` and
 * docs/harnesses.md, so the reference cannot drift from what validation accepts.
 */
export function optionVariants(schema: z.ZodType): OptionVariant[] {
  const root = optionsJsonSchema(schema);
  const variants = root.oneOf ?? root.anyOf;
  if (!variants) return [{ fields: fieldsOf(root) }];
  const discriminator = discriminatorOf(variants);
  return variants.map((variant) => ({
    when: discriminator
      ? `${discriminator}: ${JSON.stringify(variant.properties?.[discriminator]?.const)}`
      : undefined,
    fields: fieldsOf(variant),
  }));
}

function fieldsOf(node: JsonSchemaNode): OptionField[] {
  const required = new Set(node.required ?? []);
  return Object.entries(node.properties ?? {}).map(([name, property]) => ({
    name,
    type: typeText(property),
    required: required.has(name),
    default: property.default !== undefined ? JSON.stringify(property.default) : undefined,
    description: property.description,
  }));
}

/** The property every variant fixes to its own constant (`transport`). */
function discriminatorOf(variants: readonly JsonSchemaNode[]): string | undefined {
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((name) =>
    variants.every((variant) => variant.properties?.[name]?.const !== undefined),
  );
}

/** A schema node's type in a few words. */
export function typeText(node: JsonSchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return node.enum.map((value) => JSON.stringify(value)).join(" | ");
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) return alternatives.map(typeText).join(" or ");
  const type: string | undefined = typeof node.type === "string" ? node.type : node.type?.join(" or ");
  switch (type) {
    case "string":
      return stringText(node);
    case "integer":
    case "number":
      return `${type === "integer" ? "integer" : "number"}${rangeText(node)}`;
    case "boolean":
      return "boolean";
    case "array": {
      const count =
        node.minItems !== undefined || node.maxItems !== undefined
          ? ` (${node.minItems !== undefined ? `at least ${node.minItems}` : ""}${node.minItems !== undefined && node.maxItems !== undefined ? ", " : ""}${node.maxItems !== undefined ? `at most ${node.maxItems}` : ""})`
          : "";
      return `array of ${node.items ? plural(typeText(node.items)) : "values"}${count}`;
    }
    case "object": {
      if (node.properties) return `object {${Object.keys(node.properties).join(", ")}}`;
      if (typeof node.additionalProperties === "object") {
        const key = node.propertyNames ? typeText(node.propertyNames) : "string";
        return `object: ${key} → ${typeText(node.additionalProperties)}`;
      }
      return "object";
    }
    default:
      return type ?? "any value";
  }
}

function stringText(node: JsonSchemaNode): string {
  if (node.pattern === SECRET_REFERENCE_PATTERN.source) return "secret reference";
  if (node.pattern === "^[A-Za-z_][A-Za-z0-9_]*$") return "environment variable name";
  if (node.format === "uri") return "URL";
  if (node.minLength === 1 && node.maxLength === undefined) return "non-empty string";
  return "string";
}

function rangeText(node: JsonSchemaNode): string {
  const low =
    node.exclusiveMinimum !== undefined
      ? `> ${node.exclusiveMinimum}`
      : node.minimum !== undefined
        ? `≥ ${node.minimum}`
        : undefined;
  const high =
    node.exclusiveMaximum !== undefined
      ? `< ${node.exclusiveMaximum}`
      : node.maximum !== undefined
        ? `≤ ${node.maximum}`
        : undefined;
  if (node.minimum !== undefined && node.maximum !== undefined) return ` ${node.minimum}-${node.maximum}`;
  const parts = [low, high].filter(Boolean);
  return parts.length > 0 ? ` ${parts.join(", ")}` : "";
}

function plural(text: string): string {
  if (/^(string|URL|secret reference|environment variable name|integer|number|boolean)$/.test(text)) {
    return `${text}s`;
  }
  return text.replace(/^non-empty string$/, "non-empty strings");
}

/**
 * zod writes `.int()` as bounds of ±(2^53 − 1): true, and noise in a reference and in an editor's
 * hover text. Drops them.
 */
export function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([key, inner]) =>
          !(
            (key === "maximum" && inner === Number.MAX_SAFE_INTEGER) ||
            (key === "minimum" && inner === Number.MIN_SAFE_INTEGER)
          ),
      )
      .map(([key, inner]) => [key, withoutSafeIntegerBounds(inner)]),
  );
}
