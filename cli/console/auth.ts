import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The console's protection (docs/cli.md "Security model"). It listens on 127.0.0.1 only, and:
 * - a random token in the printed URL is exchanged once per browser for a session cookie
 *   (HttpOnly: page scripts cannot read it; SameSite=Strict: other sites' pages cannot send it);
 * - the Host header must name the console itself, which defeats DNS rebinding (a hostile name
 *   resolved to 127.0.0.1 still carries its own name in Host);
 * - the Origin header, when present, must be the console's, and every action (a POST) must carry
 *   one: a cross-site form or script cannot act (CSRF), even with the cookie.
 */
export interface ConsoleSecrets {
  /** Goes in the printed URL (`?token=`); exchanged for the cookie. */
  readonly token: string;
  /** The session cookie's value; never in a URL. */
  readonly session: string;
}

/** Fresh secrets: 256 random bits each, URL-safe. */
export function createSecrets(): ConsoleSecrets {
  return { token: randomBytes(32).toString("base64url"), session: randomBytes(32).toString("base64url") };
}

/**
 * The session cookie's name. Browsers keep cookies per host, not per port, so two consoles on
 * 127.0.0.1 would overwrite each other's cookie if they shared a name.
 */
export function cookieName(port: number): string {
  return `agentcron_console_${port}`;
}

/** The request as the checks see it. */
export interface RequestFacts {
  readonly method: string;
  /** The request target: path and query. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type Verdict =
  | { readonly kind: "allow" }
  /** The URL carried the right token: set the cookie and send the browser on without the token. */
  | { readonly kind: "exchange"; readonly setCookie: string; readonly location: string }
  | { readonly kind: "reject"; readonly status: 401 | 403; readonly reason: string };

/**
 * Decides what to do with a request before any route sees it: Host, then Origin and fetch
 * metadata, then the token or the session cookie.
 */
export function checkRequest(request: RequestFacts, port: number, secrets: ConsoleSecrets): Verdict {
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const host = header(request, "host");
  if (!host || !origins.includes(`http://${host.toLowerCase()}`)) {
    return {
      kind: "reject",
      status: 403,
      reason: `the Host header ${host ? `"${host}"` : "(missing)"} is not this console's: open ${origins[0]}/ (requests under another name are refused, against DNS rebinding)`,
    };
  }
  const safeMethod = request.method === "GET" || request.method === "HEAD";
  const origin = header(request, "origin");
  if (origin !== undefined && !origins.includes(origin.toLowerCase())) {
    return {
      kind: "reject",
      status: 403,
      reason: `a request from ${origin} was refused: the console only answers its own pages (${origins[0]})`,
    };
  }
  if (!safeMethod && origin === undefined) {
    return {
      kind: "reject",
      status: 403,
      reason: "an action without an Origin header was refused: use the buttons of the console's pages",
    };
  }
  // Fetch metadata: another site (or another port of this host) may only navigate here, never
  // embed, fetch or post.
  const site = header(request, "sec-fetch-site");
  const navigation = safeMethod && header(request, "sec-fetch-mode") === "navigate";
  if ((site === "cross-site" || site === "same-site") && !navigation) {
    return {
      kind: "reject",
      status: 403,
      reason: `a ${site} ${request.method} was refused: the console only answers its own pages`,
    };
  }

  const url = new URL(request.url, origins[0]);
  const token = url.searchParams.get("token");
  if (token !== null) {
    if (!safeMethod || !sameSecret(token, secrets.token)) {
      return {
        kind: "reject",
        status: 401,
        reason:
          "the token in this URL is not this console's: open the URL `agentcron console` (or `npm start`) printed last — each start prints a new one",
      };
    }
    url.searchParams.delete("token");
    return {
      kind: "exchange",
      setCookie: `${cookieName(port)}=${secrets.session}; HttpOnly; SameSite=Strict; Path=/`,
      location: `${url.pathname}${url.search}`,
    };
  }
  const session = readCookie(header(request, "cookie"), cookieName(port));
  if (session !== undefined && sameSecret(session, secrets.session)) return { kind: "allow" };
  return {
    kind: "reject",
    status: 401,
    reason:
      "this browser has no session with this console: open the URL with the token that `agentcron console` (or `npm start`) printed",
  };
}

function header(request: RequestFacts, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A cookie's value from a Cookie header, or undefined. */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  for (const pair of (cookieHeader ?? "").split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** Compares secrets in constant time (a timing difference must not reveal a prefix). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
