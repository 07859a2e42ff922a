import type { Deployment } from "../target.ts";
import type { SafeHtml } from "./html.ts";

/** What a page or an action gets: the deployment it reads and acts on, and the request. */
export interface ViewContext {
  readonly deployment: Deployment;
  /** The request path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/** A page's content; the layout adds the shell around it. */
export interface PageContent {
  /** The document title, before " · agentcron console". */
  readonly title: string;
  /** Which navigation entry is the current page. */
  readonly section: "jobs" | "dead-letters" | "none";
  readonly main: SafeHtml;
  /**
   * Set when the page updates itself: its `data-live-id` parts are re-rendered every
   * `intervalMs` and sent over an event stream, until `final` (a run that ended changes no more).
   */
  readonly live?: { readonly intervalMs: number; readonly final: boolean };
}

/** A notice shown once at the top of the next page (an action's result). */
export interface Notice {
  readonly text: string;
  readonly tone: "good" | "bad" | "neutral";
}

/** What an action did: where to send the browser next, and what to tell the operator there. */
export interface ActionResult {
  readonly redirect: string;
  readonly notice?: Notice;
}
