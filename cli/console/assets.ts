import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A static file the pages load, with its content hash (for its URL, so browsers may cache it). */
export interface Asset {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

export interface ConsoleAssets {
  readonly css: Asset;
  readonly js: Asset;
  /** The asset served at a request path, if any. */
  find(path: string): Asset | undefined;
}

const FILES = {
  css: ["console.css", "text/css; charset=utf-8"],
  js: ["console.js", "text/javascript; charset=utf-8"],
} as const;

/**
 * Where the stylesheet and script are: `assets/` next to this module when run from source; from a
 * bundle elsewhere (the compiled CLI), the `cli/console/assets` folder of the package it lies in.
 */
export function assetsDirectory(from: string = fileURLToPath(import.meta.url)): string {
  const beside = join(dirname(from), "assets");
  if (existsSync(join(beside, FILES.css[0]))) return beside;
  for (let dir = dirname(from); dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, "cli", "console", "assets");
    if (existsSync(join(candidate, FILES.css[0]))) return candidate;
  }
  throw new Error(`the console's assets (${FILES.css[0]}, ${FILES.js[0]}) were not found near ${from}`);
}

/** Reads the assets once; their URLs carry a hash of their content. */
export function loadAssets(directory: string = assetsDirectory()): ConsoleAssets {
  const load = ([file, contentType]: readonly [string, string]): Asset => {
    const body = readFileSync(join(directory, file));
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const [name, extension] = file.split(".");
    return { path: `/assets/${name}.${hash}.${extension}`, contentType, body };
  };
  const css = load(FILES.css);
  const js = load(FILES.js);
  return { css, js, find: (path) => [css, js].find((asset) => asset.path === path) };
}
