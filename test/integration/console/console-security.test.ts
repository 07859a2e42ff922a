import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJob } from "#adapters/dynamodb/reads.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import { consoleDeploymentOf, rawRequest, sessionCookieOf } from "#test/support/console.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { cookieName } from "../../../cli/console/auth.ts";
import { type ConsoleServer, startConsole } from "../../../cli/console/server.ts";
import type { Deployment } from "../../../cli/target.ts";

let env: TestEnvironment;
let deployment: Deployment;
let console_: ConsoleServer;
let token: string;
let cookie: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  deployment = await consoleDeploymentOf(env);
  await applyJobs(
    { jobs: [demoJob({ id: "guarded" })] },
    {
      jobs: deployment.store.jobs,
      clock: deployment.clock,
      validation: deployment.validation,
      schedules: await deployment.schedules(),
    },
  );
  console_ = await startConsole({ deployment });
  token = new URL(console_.url).searchParams.get("token") ?? "";
  cookie = sessionCookieOf(await rawRequest(console_.url));
});
afterAll(async () => {
  await console_?.close();
  await deployment?.close();
  await env?.destroy();
});

const pausePath = "/jobs/guarded/pause";
const form = { "content-type": "application/x-www-form-urlencoded" };

describe("the console's protection", () => {
  it("listens on 127.0.0.1 only, on a port of its own", () => {
    expect(console_.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(console_.port).toBeGreaterThan(0);
  });

  it("exchanges the URL's token for an HttpOnly, SameSite=Strict session cookie and drops the token from the address", async () => {
    const answer = await rawRequest(`${console_.origin}/jobs/guarded?token=${token}&fires=20`);

    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe("/jobs/guarded?fires=20");
    const setCookie = String(answer.headers["set-cookie"]);
    expect(setCookie).toMatch(new RegExp(`^${cookieName(console_.port)}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).not.toContain(token);
  });

  it("serves pages to a browser holding the cookie, with headers that forbid inline script, framing and referrers to other sites", async () => {
    const answer = await rawRequest(`${console_.origin}/`, { headers: { cookie } });

    expect(answer.status).toBe(200);
    expect(answer.body).toContain("guarded");
    expect(answer.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(answer.headers["content-security-policy"]).not.toContain("unsafe-inline");
    expect(answer.headers["x-frame-options"]).toBe("DENY");
    expect(answer.headers["referrer-policy"]).toBe("same-origin");
  });

  it("refuses a request without the cookie, and a wrong token, saying to open the printed URL", async () => {
    const noCookie = await rawRequest(`${console_.origin}/`);
    const wrongToken = await rawRequest(`${console_.origin}/?token=${token.slice(1)}x`);
    const wrongCookie = await rawRequest(`${console_.origin}/`, {
      headers: { cookie: `${cookieName(console_.port)}=${"A".repeat(43)}` },
    });

    expect([noCookie.status, wrongToken.status, wrongCookie.status]).toEqual([401, 401, 401]);
    expect(noCookie.body).toContain("open the URL with the token");
    expect(wrongToken.headers["set-cookie"]).toBeUndefined();
    expect(wrongToken.body).toContain("not this console&#39;s");
  });

  it("refuses a Host that is not the console's own (DNS rebinding), even with the cookie and the token", async () => {
    const rebound = await rawRequest(`${console_.origin}/`, {
      headers: { host: `attacker.example:${console_.port}`, cookie },
    });
    const otherPort = await rawRequest(`${console_.origin}/?token=${token}`, {
      headers: { host: `127.0.0.1:${console_.port + 1}` },
    });

    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain("Host header");
    expect(rebound.body).not.toContain("guarded");
    expect(otherPort.status).toBe(403);
    expect(otherPort.headers["set-cookie"]).toBeUndefined();
  });

  it("accepts localhost as the console's own name", async () => {
    const answer = await rawRequest(`${console_.origin}/`, {
      headers: { host: `localhost:${console_.port}`, cookie },
    });
    expect(answer.status).toBe(200);
  });

  it("refuses requests from another origin, and an action without an Origin, and changes nothing (CSRF)", async () => {
    const crossOriginRead = await rawRequest(`${console_.origin}/`, {
      headers: { cookie, origin: "http://attacker.example" },
    });
    const crossOriginPost = await rawRequest(`${console_.origin}${pausePath}`, {
      method: "POST",
      headers: { ...form, cookie, origin: "http://attacker.example" },
      body: "",
    });
    const otherLocalPort = await rawRequest(`${console_.origin}${pausePath}`, {
      method: "POST",
      headers: { ...form, cookie, origin: `http://127.0.0.1:${console_.port + 1}` },
      body: "",
    });
    const noOrigin = await rawRequest(`${console_.origin}${pausePath}`, {
      method: "POST",
      headers: { ...form, cookie },
      body: "",
    });
    const sameSiteFetch = await rawRequest(`${console_.origin}/`, {
      headers: { cookie, "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors" },
    });

    expect(
      [crossOriginRead, crossOriginPost, otherLocalPort, noOrigin, sameSiteFetch].map((a) => a.status),
    ).toEqual([403, 403, 403, 403, 403]);
    expect(noOrigin.body).toContain("without an Origin header");
    expect((await getJob(deployment.table, "guarded"))?.spec.enabled).not.toBe(false);
  });

  it("acts on a POST from its own page, and answers a GET of an action with 405", async () => {
    const get = await rawRequest(`${console_.origin}${pausePath}`, { headers: { cookie } });
    const post = await rawRequest(`${console_.origin}${pausePath}`, {
      method: "POST",
      headers: { ...form, cookie, origin: console_.origin, "sec-fetch-site": "same-origin" },
      body: "",
    });

    expect(get.status).toBe(405);
    expect(post.status).toBe(303);
    expect(post.headers.location).toMatch(/^\/jobs\/guarded\?notice=[A-Za-z0-9_-]+$/);
    expect((await getJob(deployment.table, "guarded"))?.spec.enabled).toBe(false);
  });
});
