import { html } from "../html.ts";
import type { Notice, PageContent } from "../view-context.ts";
import { paths } from "./format.ts";

/** What every page shows in its shell. */
export interface LayoutContext {
  /** The deployment, for people: "local runtime (.agentcron, pid 4242)". */
  readonly target: string;
  /** The stylesheet's and script's URLs (with their content hash, so they can be cached). */
  readonly assets: { readonly css: string; readonly js: string };
  /** A notice to show once at the top (the result of an action). */
  readonly notice?: Notice;
  /** The event stream that keeps the page's live parts current (when the page has any). */
  readonly liveSource?: string;
}

/** The page shell: skip link, navigation, the target, the notice, the content. */
export function renderLayout(page: PageContent, context: LayoutContext): string {
  const current = (section: PageContent["section"]) =>
    page.section === section ? html` aria-current="page"` : "";
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${page.title} · agentcron console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${context.assets.css}">
<script src="${context.assets.js}" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <nav aria-label="Console">
    <a class="brand" href="${paths.jobs()}">agentcron</a>
    <a href="${paths.jobs()}"${current("jobs")}>Jobs</a>
    <a href="${paths.deadLetters()}"${current("dead-letters")}>Dead letters</a>
  </nav>
  <p class="target">on ${context.target}</p>
</header>
<main id="main" tabindex="-1"${context.liveSource ? html` data-live-source="${context.liveSource}"` : ""}>
${context.notice ? html`<p class="notice tone-${context.notice.tone}" role="status">${context.notice.text}</p>` : ""}
${page.main}
</main>
</body>
</html>
`}`;
}
