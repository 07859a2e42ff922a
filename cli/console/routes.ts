import { redriveAction, runNowAction, setEnabledAction } from "./actions.ts";
import type { ActionResult, PageContent, ViewContext } from "./view-context.ts";
import { deadLettersPage, redriveConfirmPage } from "./views/dead-letters-page.ts";
import { jobPage } from "./views/job-page.ts";
import { jobsPage } from "./views/jobs-page.ts";
import { runPage } from "./views/run-page.ts";

/** A page: GET (and HEAD). Its path parameters come decoded, in order. */
export interface PageRoute {
  readonly pattern: RegExp;
  render(context: ViewContext, params: readonly string[]): Promise<PageContent>;
}

/** An action: a POST with a form body, answered by a redirect (so a reload never repeats it). */
export interface ActionRoute {
  readonly pattern: RegExp;
  act(context: ViewContext, params: readonly string[], form: URLSearchParams): Promise<ActionResult>;
}

const ID = "([^/]+)";

export const PAGES: readonly PageRoute[] = [
  { pattern: /^\/$/, render: (context) => jobsPage(context) },
  { pattern: new RegExp(`^/jobs/${ID}$`), render: (context, [jobId = ""]) => jobPage(context, jobId) },
  { pattern: new RegExp(`^/runs/${ID}$`), render: (context, [runId = ""]) => runPage(context, runId) },
  { pattern: /^\/dead-letters$/, render: (context) => deadLettersPage(context) },
  { pattern: /^\/dead-letters\/redrive$/, render: (context) => redriveConfirmPage(context) },
];

export const ACTIONS: readonly ActionRoute[] = [
  { pattern: new RegExp(`^/jobs/${ID}/run$`), act: (context, [jobId = ""]) => runNowAction(context, jobId) },
  {
    pattern: new RegExp(`^/jobs/${ID}/pause$`),
    act: (context, [jobId = ""]) => setEnabledAction(context, jobId, false),
  },
  {
    pattern: new RegExp(`^/jobs/${ID}/resume$`),
    act: (context, [jobId = ""]) => setEnabledAction(context, jobId, true),
  },
  { pattern: /^\/dead-letters\/redrive$/, act: (context, _params, form) => redriveAction(context, form) },
];

/**
 * The route whose pattern matches `path`, with its parameters decoded.
 * @throws URIError when a parameter is not valid percent-encoding.
 */
export function matchRoute<T extends { readonly pattern: RegExp }>(
  routes: readonly T[],
  path: string,
): { route: T; params: string[] } | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1).map((param) => decodeURIComponent(param)) };
  }
  return undefined;
}
