import { describe, expect, it } from "vitest";
import { checkRequest, cookieName, readCookie } from "../../../cli/console/auth.ts";

const PORT = 41234;
const secrets = { token: "t".repeat(43), session: "s".repeat(43) };
const host = `127.0.0.1:${PORT}`;
const origin = `http://${host}`;
const cookie = `${cookieName(PORT)}=${secrets.session}`;

const get = (url: string, headers: Record<string, string> = {}) =>
  checkRequest({ method: "GET", url, headers: { host, ...headers } }, PORT, secrets);
const post = (url: string, headers: Record<string, string> = {}) =>
  checkRequest({ method: "POST", url, headers: { host, ...headers } }, PORT, secrets);

describe("the console's request check", () => {
  it("exchanges the right token for the session cookie and keeps the rest of the address", () => {
    expect(get(`/runs/01J?token=${secrets.token}&x=1`)).toEqual({
      kind: "exchange",
      setCookie: `${cookieName(PORT)}=${secrets.session}; HttpOnly; SameSite=Strict; Path=/`,
      location: "/runs/01J?x=1",
    });
  });

  it("allows the session cookie, among others", () => {
    expect(get("/", { cookie: `theme=dark; ${cookie}; other=1` })).toEqual({ kind: "allow" });
  });

  it("refuses a wrong token, a token on a POST, a missing or wrong cookie, and another console's cookie", () => {
    const refusals = [
      get(`/?token=${"x".repeat(43)}`),
      get("/?token="),
      post(`/jobs/a/pause?token=${secrets.token}`, { origin }),
      get("/"),
      get("/", { cookie: `${cookieName(PORT)}=${"x".repeat(43)}` }),
      get("/", { cookie: `${cookieName(PORT + 1)}=${secrets.session}` }),
    ];
    expect(refusals.map((verdict) => verdict.kind === "reject" && verdict.status)).toEqual([
      401, 401, 401, 401, 401, 401,
    ]);
  });

  it("refuses any Host but its own address or localhost on its port (DNS rebinding)", () => {
    const hosts = [
      "attacker.example",
      `attacker.example:${PORT}`,
      `127.0.0.1:${PORT + 1}`,
      `0.0.0.0:${PORT}`,
      "",
    ];
    for (const badHost of hosts) {
      expect(
        checkRequest({ method: "GET", url: "/", headers: { host: badHost, cookie } }, PORT, secrets),
      ).toMatchObject({
        kind: "reject",
        status: 403,
      });
    }
    expect(
      checkRequest(
        { method: "GET", url: "/", headers: { host: `LOCALHOST:${PORT}`, cookie } },
        PORT,
        secrets,
      ),
    ).toEqual({
      kind: "allow",
    });
  });

  it("refuses another origin on any method, and a POST with no Origin at all (CSRF)", () => {
    expect(get("/", { cookie, origin: "http://attacker.example" })).toMatchObject({ status: 403 });
    expect(get("/", { cookie, origin: "null" })).toMatchObject({ status: 403 });
    expect(post("/jobs/a/pause", { cookie, origin: `http://127.0.0.1:${PORT + 1}` })).toMatchObject({
      status: 403,
    });
    expect(post("/jobs/a/pause", { cookie })).toMatchObject({ status: 403 });
    expect(post("/jobs/a/pause", { cookie, origin })).toEqual({ kind: "allow" });
  });

  it("lets another site only navigate here (fetch metadata), never embed or post", () => {
    expect(get("/", { cookie, "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" })).toMatchObject({
      status: 403,
    });
    expect(get("/", { cookie, "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" })).toEqual({
      kind: "allow",
    });
    expect(post("/jobs/a/pause", { cookie, origin, "sec-fetch-site": "same-site" })).toMatchObject({
      status: 403,
    });
  });

  it("reads one cookie out of a Cookie header", () => {
    expect(readCookie("a=1; b=x=y; c=3", "b")).toBe("x=y");
    expect(readCookie(undefined, "b")).toBeUndefined();
  });
});
