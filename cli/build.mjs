// Compiles the `agentcron` CLI into dist/cli/ with esbuild, so it starts without compiling
// TypeScript at every call (docs/cli.md "Start-up time"). Run by `npm run build:cli` and by npm's
// `prepare` (after `npm ci`); the executable (cli/bin/agentcron.mjs) rebuilds it when its sources
// changed since, so a `git pull` never leaves a stale CLI behind.
//
// Plain JavaScript on purpose: the executable imports it without tsx.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the compiled CLI lives (git-ignored). */
export const OUT_DIR = join(ROOT, "dist", "cli");
/** The compiled entry point. */
export const ENTRY = join(OUT_DIR, "main.mjs");
/** What the build read: every project source file, so a change to any of them is noticed. */
export const MANIFEST = join(OUT_DIR, "inputs.json");

/**
 * Files that change what the bundle contains besides the sources esbuild reports: dependency
 * versions, and this build itself. (A changed node_modules without a changed lockfile is not noticed: `npm run build:cli`.)
 */
const EXTRA_INPUTS = ["package.json", "package-lock.json", "cli/build.mjs"];

/**
 * Packages the CLI never runs (harness and plugin SDKs load on a turn's first use, in the turn's
 * process): left out of the bundle to keep the build quick; they would load from node_modules.
 */
const NOT_BUNDLED = [
  "@anthropic-ai/sdk",
  "openai",
  "@modelcontextprotocol/sdk",
  "@aws-sdk/client-bedrock-runtime",
  "@aws-sdk/client-secrets-manager",
  "@aws-sdk/client-ssm",
  "aws-cdk-lib",
  "constructs",
  "fauxqs",
  "tsx",
];

/**
 * zod's `z` and `z.core` re-export a `locales` namespace of ~45 languages' error messages (260 KB
 * minified, more than half of zod) that nothing here uses — messages are agentcron's own, in
 * English. Keeping only `en` (zod's default) halves what every validating command parses at start.
 */
const englishOnlyZodLocales = {
  name: "english-only-zod-locales",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)
        ? { path: join(args.resolveDir, "..", "locales", "index.js"), namespace: "zod-locales" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * Whether the compiled CLI can be used: `missing` (never built), `stale` (a source or the lockfile
 * is newer than the build, or one was deleted) or `fresh`. Costs one stat per source file (~2 ms).
 *
 * @param {{ root?: string, outDir?: string }} [where] the repository and the build (for tests)
 * @returns {{ state: "missing" | "stale" | "fresh", reason?: string }}
 */
export function bundleState({ root = ROOT, outDir = OUT_DIR } = {}) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, "inputs.json"), "utf8"));
  } catch {
    return { state: "missing" };
  }
  if (!existsSync(join(outDir, "main.mjs"))) return { state: "missing" };
  for (const input of manifest.inputs) {
    let modified;
    try {
      modified = statSync(join(root, input)).mtimeMs;
    } catch {
      return { state: "stale", reason: `${input} is gone` };
    }
    if (modified > manifest.builtAtMs) return { state: "stale", reason: `${input} changed` };
  }
  return { state: "fresh" };
}

/**
 * Builds the CLI: one entry module plus content-hashed chunks that load on demand (each command,
 * the AWS SDK clients). The entry and the manifest are replaced by rename, and chunks of earlier
 * builds are kept for a while, so a CLI already running from the previous build keeps working and
 * two builds at once do no harm.
 *
 * @returns {Promise<{ outDir: string, inputs: number, ms: number }>}
 * @throws Error when esbuild is not installed or the sources do not compile.
 */
export async function buildCli() {
  const started = Date.now();
  const esbuild = await import("esbuild");
  const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  // Read before building: a source saved during the build is newer than this and triggers a rebuild.
  const builtAtMs = Date.now();
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: "cli/main.ts" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    outdir: OUT_DIR,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    external: NOT_BUNDLED,
    define: {
      AGENTCRON_BUILD: JSON.stringify({
        version: packageJson.version,
        builtAt: new Date(builtAtMs).toISOString(),
      }),
    },
    // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
    banner: {
      js: "import{createRequire as agentcronCreateRequire}from'node:module';const require=agentcronCreateRequire(import.meta.url);",
    },
    plugins: [englishOnlyZodLocales],
    metafile: true,
    write: false,
    logLevel: "silent",
  });

  const suffix = `.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const replace = (path, contents) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path + suffix, contents);
    renameSync(path + suffix, path);
  };
  const entryFiles = new Set([ENTRY, `${ENTRY}.map`]);
  // Chunks first, then the entry that imports them, then the manifest that declares them current.
  for (const file of result.outputFiles) if (!entryFiles.has(file.path)) replace(file.path, file.contents);
  for (const file of result.outputFiles) if (entryFiles.has(file.path)) replace(file.path, file.contents);

  const inputs = [
    // Project sources only (not node_modules, nor esbuild's virtual `<define:...>` modules).
    ...Object.keys(result.metafile.inputs).filter(
      (input) => !input.includes("node_modules/") && !input.startsWith("<"),
    ),
    ...EXTRA_INPUTS,
  ];
  replace(MANIFEST, `${JSON.stringify({ builtAtMs, inputs }, null, 2)}\n`);
  removeOldChunks(new Set(result.outputFiles.map((file) => file.path)));
  return { outDir: relative(ROOT, OUT_DIR), inputs: inputs.length, ms: Date.now() - started };
}

/** Chunks no longer in the current build, once no CLI started before it can still be loading them. */
function removeOldChunks(current) {
  const chunksDir = join(OUT_DIR, "chunks");
  const keepAfterMs = Date.now() - 10 * 60_000;
  for (const name of readdirSync(chunksDir)) {
    const path = join(chunksDir, name);
    if (current.has(path)) continue;
    try {
      if (statSync(path).mtimeMs < keepAfterMs) rmSync(path, { force: true });
    } catch {
      // Removed by a build running at the same time.
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const built = await buildCli();
    process.stdout.write(`agentcron: compiled the CLI into ${built.outDir} (${built.ms} ms)\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error?.code === "ERR_MODULE_NOT_FOUND" && message.includes("esbuild")) {
      // An install without dev dependencies: not an error — the CLI then runs from source.
      process.stderr.write(
        "agentcron: esbuild is not installed, so the CLI was not compiled (it runs from source).\n",
      );
    } else {
      process.stderr.write(`agentcron: could not compile the CLI: ${message}\n`);
      process.exitCode = 1;
    }
  }
}
