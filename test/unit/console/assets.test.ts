import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { assetsDirectory, loadAssets } from "../../../cli/console/assets.ts";
import { html } from "../../../cli/console/html.ts";
import { renderLayout } from "../../../cli/console/views/layout.ts";

/** The console's budget for what a browser downloads: its script and stylesheet, gzipped. */
const BUDGET_BYTES = 150 * 1024;

describe("the console's assets", () => {
  it("weigh at most 150 KB gzipped, script and stylesheet together", () => {
    const assets = loadAssets();
    const gzipped = gzipSync(assets.js.body).length + gzipSync(assets.css.body).length;
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("are served under a hash of their content, so a changed file gets a new URL", () => {
    const assets = loadAssets();
    expect(assets.js.path).toMatch(/^\/assets\/console\.[0-9a-f]{12}\.js$/);
    expect(assets.css.path).toMatch(/^\/assets\/console\.[0-9a-f]{12}\.css$/);
    expect(assets.find(assets.js.path)).toBe(assets.js);
    expect(assets.find("/assets/console.js")).toBeUndefined();
  });

  it("are found from a bundle elsewhere in the package, by the package's cli/console/assets folder", () => {
    const fromBundle = `${process.cwd()}/cli/bin/dist/agentcron.mjs`;
    expect(assetsDirectory(fromBundle)).toBe(`${process.cwd()}/cli/console/assets`);
  });

  it("are the page's only script and stylesheet: no inline script or style the CSP would block", () => {
    const assets = loadAssets();
    const page = renderLayout(
      { title: "t", section: "jobs", main: html`<p>x</p>` },
      { target: "local", assets: { css: assets.css.path, js: assets.js.path } },
    );
    expect(page.match(/<script\b[^>]*>/g)).toEqual([`<script src="${assets.js.path}" defer>`]);
    expect(page).not.toMatch(/<style\b|\sstyle=/);
  });
});
