import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/**
 * The layering of the project (DESIGN "Ports and adapters"): which folder may not import what.
 * Checked on every `npm run lint`, so a change that breaks the layering fails CI.
 */
export interface ImportRule {
  /** The folder whose files the rule applies to, relative to the repository root. */
  readonly from: string;
  /** Project folders those files may not import from. */
  readonly forbiddenFolders: readonly string[];
  /** Packages those files may not import (a name, or a scope ending in `/`: `@aws-sdk/`). */
  readonly forbiddenPackages: readonly string[];
  /** Why, and what to do instead — printed with each violation. */
  readonly why: string;
}

export const IMPORT_RULES: readonly ImportRule[] = [
  {
    from: "core",
    forbiddenFolders: ["adapters", "functions", "infra", "local", "cli", "bench", "scripts", "test"],
    forbiddenPackages: ["@aws-sdk/", "aws-cdk-lib", "@aws-lambda-powertools/"],
    why: "the core is plain TypeScript over ports; declare what it needs as a port in core/ports.ts and implement it in adapters/",
  },
  {
    from: "adapters",
    forbiddenFolders: ["functions", "infra", "local", "cli", "bench", "scripts", "test"],
    forbiddenPackages: ["aws-cdk-lib"],
    why: "adapters only implement the core's ports; wiring belongs in functions/commons, the runtimes in local/ and infra/",
  },
  {
    from: "functions",
    forbiddenFolders: ["infra", "local", "cli", "bench", "scripts", "test"],
    forbiddenPackages: ["aws-cdk-lib"],
    why: "the Lambda code must not depend on the stack or the local runtime (infra/ reads functions/commons, never the reverse)",
  },
];

/** One import that breaks a rule. */
export interface ImportViolation {
  /** The importing file, relative to the root. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  /** The forbidden folder or package it reaches. */
  readonly reaches: string;
  readonly rule: ImportRule;
}

/** Formats a violation as `file:line imports "x" (reaches y): why`. */
export function formatViolation(violation: ImportViolation): string {
  return (
    `${violation.file}:${violation.line} imports "${violation.specifier}", which reaches ${violation.reaches}; ` +
    `${violation.rule.from}/ may not import it: ${violation.rule.why}`
  );
}

const SOURCE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/**
 * Checks every source file under each rule's folder of `root`: static imports, re-exports, type
 * imports and dynamic `import()` calls with a literal specifier. `#name/*` specifiers resolve through
 * the package.json `imports` map of `root`.
 */
export function findImportViolations(
  root: string,
  rules: readonly ImportRule[] = IMPORT_RULES,
): { violations: ImportViolation[]; filesChecked: number } {
  const importMap = readImportMap(root);
  const violations: ImportViolation[] = [];
  let filesChecked = 0;
  for (const rule of rules) {
    for (const file of sourceFilesUnder(join(root, rule.from))) {
      filesChecked += 1;
      const text = readFileSync(file, "utf8");
      for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
        const reaches = forbiddenTarget(imported.fileName, file, root, importMap, rule);
        if (reaches) {
          violations.push({
            file: relative(root, file).split(sep).join("/"),
            line: lineOf(text, imported.pos),
            specifier: imported.fileName,
            reaches,
            rule,
          });
        }
      }
    }
  }
  return { violations, filesChecked };
}

function forbiddenTarget(
  specifier: string,
  file: string,
  root: string,
  importMap: ReadonlyMap<string, string>,
  rule: ImportRule,
): string | undefined {
  const projectPath = projectPathOf(specifier, file, root, importMap);
  if (projectPath !== undefined) {
    const folder = projectPath.split("/")[0] ?? "";
    return rule.forbiddenFolders.includes(folder) ? `${folder}/` : undefined;
  }
  const forbidden = rule.forbiddenPackages.find((name) =>
    name.endsWith("/") ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`),
  );
  return forbidden ? `the package ${forbidden.endsWith("/") ? `${forbidden}*` : forbidden}` : undefined;
}

/** The imported file's path relative to the root, or undefined for a package or a builtin. */
function projectPathOf(
  specifier: string,
  file: string,
  root: string,
  importMap: ReadonlyMap<string, string>,
): string | undefined {
  if (specifier.startsWith(".")) {
    return relative(root, resolve(dirname(file), specifier))
      .split(sep)
      .join("/");
  }
  if (specifier.startsWith("#")) {
    for (const [prefix, target] of importMap) {
      if (specifier.startsWith(prefix)) {
        return join(target, specifier.slice(prefix.length)).split(sep).join("/");
      }
    }
  }
  return undefined;
}

/** package.json `imports` of the form `"#core/*": "./core/*"`, as `#core/` → `core/`. */
function readImportMap(root: string): Map<string, string> {
  const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    imports?: Record<string, string>;
  };
  const map = new Map<string, string>();
  for (const [key, target] of Object.entries(packageJson.imports ?? {})) {
    if (key.endsWith("*") && typeof target === "string" && target.endsWith("*")) {
      map.set(key.slice(0, -1), target.slice(0, -1).replace(/^\.\//, ""));
    }
  }
  return map;
}

function* sourceFilesUnder(directory: string): Generator<string> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return; // a rule's folder that does not exist has nothing to check
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") yield* sourceFilesUnder(path);
    } else if (SOURCE_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
      yield path;
    }
  }
}

function lineOf(text: string, position: number): number {
  let line = 1;
  for (let index = 0; index < position; index++) if (text.charCodeAt(index) === 10) line += 1;
  return line;
}
