import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";

/**
 * Expression attribute names derived from the expressions themselves: every `#name` placeholder
 * maps to the attribute `name`. Writing every attribute as `#name` sidesteps DynamoDB's 500+
 * reserved words (status, ttl, token, name, ...). `extra` covers names a placeholder cannot spell
 * (e.g. the phase `runtime-plugins` as a map key).
 */
export function attributeNames(
  expressions: readonly (string | undefined)[],
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const names: Record<string, string> = { ...extra };
  for (const expression of expressions) {
    if (!expression) continue;
    for (const match of expression.matchAll(/#([A-Za-z0-9_]+)/g)) {
      const placeholder = match[0];
      if (!(placeholder in names)) names[placeholder] = match[1] as string;
    }
  }
  return names;
}

/** Expression attribute values (`{":now": 5}` → marshalled), dropping undefined ones. */
export function attributeValues(values: object): Record<string, AttributeValue> {
  return marshall(values, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

/** Marshals a whole item, dropping undefined attributes. */
export function toItem(record: object): Record<string, AttributeValue> {
  return marshall(record, { removeUndefinedValues: true });
}

/**
 * `SET` clauses for the defined fields of `fields`: `#name = :name` each, with their values.
 * Undefined fields are left out (not removed).
 */
export function setClauses(fields: Readonly<Record<string, unknown>>): {
  clauses: string[];
  values: Record<string, unknown>;
} {
  const clauses: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    clauses.push(`#${name} = :${name}`);
    values[`:${name}`] = value;
  }
  return { clauses, values };
}

/**
 * Expression attribute values limited to the `:placeholders` the expressions use — DynamoDB
 * rejects a request that carries a value it does not use, and the lease expressions share one
 * value set across variants.
 */
export function usedAttributeValues(
  expressions: readonly (string | undefined)[],
  values: Readonly<Record<string, unknown>>,
): Record<string, AttributeValue> {
  const used = new Set<string>();
  for (const expression of expressions) {
    for (const match of expression?.matchAll(/:[A-Za-z0-9_]+/g) ?? []) used.add(match[0]);
  }
  return attributeValues(Object.fromEntries(Object.entries(values).filter(([name]) => used.has(name))));
}
