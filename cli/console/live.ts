import type { ServerResponse } from "node:http";
import type { PageContent } from "./view-context.ts";

/** Pages without their own interval are re-read this often. */
const DEFAULT_INTERVAL_MS = 5000;
/** After a failed read, wait this long before the next. */
const RETRY_AFTER_PROBLEM_MS = 5000;
/** A comment line this often keeps idle connections (and proxies) from timing out. */
const KEEPALIVE_MS = 15_000;

/**
 * Keeps a page current in the browser: re-renders it every `live.intervalMs` and, when its content
 * changed, sends it as a server-sent event (`update`; `final` for the last one, after which the
 * stream ends: a run that ended changes no more). The page's script swaps in its `data-live-id`
 * parts. A failed read is sent as `problem` and retried. Returns a function that stops the stream.
 */
export function streamPage(response: ServerResponse, render: () => Promise<PageContent>): () => void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  // Reconnect after 2 s if the connection drops (EventSource's own retry).
  response.write("retry: 2000\n\n");
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let last = "";
  let lastWriteAt = Date.now();
  const send = (event: string, data: string) => {
    const lines = data.split("\n").map((line) => `data: ${line}`);
    response.write(`event: ${event}\n${lines.join("\n")}\n\n`);
    lastWriteAt = Date.now();
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    if (!response.writableEnded) response.end();
  };
  const tick = async () => {
    let delay = DEFAULT_INTERVAL_MS;
    try {
      const page = await render();
      if (stopped) return;
      const markup = page.main.value;
      const final = page.live?.final ?? false;
      if (markup !== last || final) send(final ? "final" : "update", markup);
      last = markup;
      if (final || !page.live) return stop();
      delay = page.live.intervalMs;
    } catch (error) {
      if (stopped) return;
      send("problem", `Cannot refresh this page: ${(error as Error).message}`);
      delay = RETRY_AFTER_PROBLEM_MS;
    }
    if (Date.now() - lastWriteAt >= KEEPALIVE_MS) {
      response.write(": keepalive\n\n");
      lastWriteAt = Date.now();
    }
    if (!stopped) timer = setTimeout(tick, delay);
  };
  response.on("close", stop);
  void tick();
  return stop;
}
