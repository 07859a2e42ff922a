import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EXIT, explainError, isUnreachable } from "../exit-codes.ts";
import type { Deployment } from "../target.ts";
import { type ConsoleAssets, loadAssets } from "./assets.ts";
import { type ConsoleSecrets, checkRequest, createSecrets } from "./auth.ts";
import { html } from "./html.ts";
import { streamPage } from "./live.ts";
import { NoticeBoard } from "./notices.ts";
import { ACTIONS, type ActionRoute, matchRoute, PAGES, type PageRoute } from "./routes.ts";
import type { Notice, PageContent, ViewContext } from "./view-context.ts";
import { renderLayout } from "./views/layout.ts";

/** Only loopback: the console has no public endpoint. */
export const CONSOLE_HOST = "127.0.0.1";
/** An action's form is a few fields; anything bigger is not one of ours. */
const MAX_FORM_BYTES = 16 * 1024;

export interface ConsoleOptions {
  /** The deployment every page reads and every action acts on (the CLI's own). */
  readonly deployment: Deployment;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default fresh random ones */
  readonly secrets?: ConsoleSecrets;
  /** @default the files in cli/console/assets */
  readonly assets?: ConsoleAssets;
  /** Where unexpected errors are reported (the page shows them too). @default nowhere */
  readonly onError?: (error: unknown) => void;
}

export interface ConsoleServer {
  /** The URL to open, with the token: `http://127.0.0.1:PORT/?token=...`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** Stops listening and ends open pages' event streams. */
  close(): Promise<void>;
}

/** Thrown when the console cannot listen (its port is taken); the message says what to do. */
export class ConsoleListenError extends Error {
  override name = "ConsoleListenError";
}

/**
 * Starts the operator console: server-rendered pages over the deployment, on 127.0.0.1 only, behind
 * the token/cookie exchange and the Host and Origin checks of ./auth.ts.
 * @throws ConsoleListenError when the port is taken.
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const secrets = options.secrets ?? createSecrets();
  const assets = options.assets ?? loadAssets();
  const notices = new NoticeBoard();
  const streams = new Set<() => void>();
  let port = options.port ?? 0;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent)
        sendProblem(response, 500, `the console failed: ${(error as Error).message}`);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setSecurityHeaders(response);
    const verdict = checkRequest(
      { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers },
      port,
      secrets,
    );
    if (verdict.kind === "reject") return sendProblem(response, verdict.status, verdict.reason);
    if (verdict.kind === "exchange") {
      response.writeHead(303, { location: verdict.location, "set-cookie": verdict.setCookie });
      return void response.end();
    }

    const url = new URL(request.url ?? "/", `http://${CONSOLE_HOST}:${port}`);
    const method = request.method ?? "GET";
    const read = method === "GET" || method === "HEAD";
    const context: ViewContext = {
      deployment: options.deployment,
      path: url.pathname,
      query: url.searchParams,
    };

    const asset = assets.find(url.pathname);
    if (asset && read) {
      response.writeHead(200, {
        "content-type": asset.contentType,
        "cache-control": "private, max-age=31536000, immutable",
      });
      return void response.end(asset.body);
    }
    if (url.pathname.startsWith("/live/") && read) {
      const pagePath = url.pathname.slice("/live".length);
      const page = matchRoute(PAGES, pagePath);
      if (!page) return sendProblem(response, 404, `no page ${pagePath} to follow`);
      const stop = streamPage(response, () => page.route.render({ ...context, path: pagePath }, page.params));
      streams.add(stop);
      response.on("close", () => streams.delete(stop));
      return;
    }
    const page = matchRoute(PAGES, url.pathname);
    const action = matchRoute(ACTIONS, url.pathname);
    if (page && read)
      return renderPage(response, context, page, notices.take(url.searchParams.get("notice")));
    if (action && method === "POST") return runAction(request, response, context, action);
    if (page || action) {
      response.setHeader("allow", page ? "GET, HEAD" : "POST");
      return sendProblem(
        response,
        405,
        `${method} is not allowed here${action ? ": actions are POSTs" : ""}`,
      );
    }
    return sendProblem(response, 404, `there is no page ${url.pathname}: start from the jobs page (/)`);
  }

  async function renderPage(
    response: ServerResponse,
    context: ViewContext,
    match: { route: PageRoute; params: string[] },
    notice: Notice | undefined,
  ): Promise<void> {
    let page: PageContent;
    try {
      page = await match.route.render(context, match.params);
    } catch (error) {
      return sendProblem(response, statusFor(error), explainError(error).message, () =>
        options.onError?.(error),
      );
    }
    const liveSource =
      page.live && !page.live.final ? `/live${context.path}${queryOf(context.query)}` : undefined;
    const body = renderLayout(page, {
      target: options.deployment.label,
      assets: { css: assets.css.path, js: assets.js.path },
      notice,
      liveSource,
    });
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(body);
  }

  async function runAction(
    request: IncomingMessage,
    response: ServerResponse,
    context: ViewContext,
    match: { route: ActionRoute; params: string[] },
  ): Promise<void> {
    let form: URLSearchParams;
    try {
      form = await readForm(request);
    } catch (error) {
      return sendProblem(response, 413, (error as Error).message);
    }
    let result: Awaited<ReturnType<ActionRoute["act"]>>;
    try {
      result = await match.route.act(context, match.params, form);
    } catch (error) {
      return sendProblem(response, statusFor(error), explainError(error).message, () =>
        options.onError?.(error),
      );
    }
    const location = result.notice
      ? `${result.redirect}${result.redirect.includes("?") ? "&" : "?"}notice=${notices.post(result.notice)}`
      : result.redirect;
    response.writeHead(303, { location });
    response.end();
  }

  function sendProblem(response: ServerResponse, status: number, message: string, report?: () => void): void {
    if (status >= 500) report?.();
    const title = PROBLEM_TITLES[status] ?? "Something went wrong";
    const page = renderLayout(
      {
        title,
        section: "none",
        main: html`<h1>${title}</h1><p class="problem-inline" role="alert">${message}</p><p><a href="/">Back to the jobs</a></p>`,
      },
      {
        target: options.deployment.label,
        assets: { css: assets.css.path, js: assets.js.path },
      },
    );
    response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
    response.end(page);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new ConsoleListenError(
              `port ${options.port} on ${CONSOLE_HOST} is in use: pick another with --port, or leave it out for a free one`,
            )
          : error,
      ),
    );
    server.listen(options.port ?? 0, CONSOLE_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${CONSOLE_HOST}:${port}`;
  return {
    url: `${origin}/?token=${secrets.token}`,
    origin,
    port,
    async close() {
      for (const stop of streams) stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const PROBLEM_TITLES: Record<number, string> = {
  400: "That request is not right",
  401: "Open the console's URL",
  403: "Refused",
  404: "Not found",
  405: "Not allowed",
  409: "That cannot be done now",
  413: "Too large",
  500: "The console failed",
  502: "Cannot reach the deployment",
};

/** The HTTP status for an error a page or action threw, by the CLI's own exit-code mapping. */
export function statusFor(error: unknown): number {
  if (isUnreachable(error)) return 502;
  const { exitCode } = explainError(error);
  if (exitCode === EXIT.notFound) return 404;
  if (exitCode === EXIT.usage) return 400;
  if (exitCode === EXIT.unhealthy && error instanceof Error && error.name === "UnhealthyError") return 409;
  return 500;
}

/**
 * Every response: scripts and styles from the console only (no inline script can run, so markup
 * injected through data could not act), no framing, referrers to the console only (none leaves for
 * another site; "no-referrer" would make browsers send `Origin: null` on the console's own forms),
 * nothing cached but the hashed assets.
 */
function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader(
    "content-security-policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  response.setHeader("x-content-type-options", "nosniff");
  response.setHeader("x-frame-options", "DENY");
  response.setHeader("referrer-policy", "same-origin");
  response.setHeader("cache-control", "no-store");
}

function queryOf(query: URLSearchParams): string {
  const copy = new URLSearchParams(query);
  copy.delete("notice");
  const text = copy.toString();
  return text ? `?${text}` : "";
}

/** An action's urlencoded form body. @throws Error when it is larger than any of ours. */
async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error(`the form is larger than ${MAX_FORM_BYTES} bytes`);
  }
  return new URLSearchParams(body);
}
