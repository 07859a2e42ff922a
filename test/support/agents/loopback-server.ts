import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from "node:http2";
import type { AddressInfo, Server } from "node:net";

/** A request the loopback server received, body parsed as JSON when it is JSON. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
}

/** What a route answers: a JSON body (status 200 unless told), or `hang` to never answer. */
export type LoopbackReply =
  | { readonly status?: number; readonly headers?: Record<string, string>; readonly json: unknown }
  | "hang";

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /**
   * Open connections that carried a request. (After an aborted fetch, Node's undici may open a spare
   * idle connection in its pool; it carries nothing, belongs to the global dispatcher, and is not
   * counted.)
   */
  readonly openConnectionsWithRequests: () => number;
  close(): Promise<void>;
}

/** Closes when the peer (or the server) ends it; `hadRequest` once a request arrived on it. */
interface TrackedConnection {
  hadRequest: boolean;
  destroy(): void;
}

/**
 * Starts an HTTP server on 127.0.0.1 on a free port that records every request and answers with
 * `reply(request)` — a stand-in for a model API or remote agent, speaking its wire format.
 * `protocol: "h2c"` speaks cleartext HTTP/2 (the AWS SDK's Bedrock runtime client only speaks HTTP/2).
 */
export async function startLoopbackServer(
  reply: (request: RecordedRequest, index: number) => LoopbackReply | Promise<LoopbackReply>,
  { protocol = "http/1.1" }: { readonly protocol?: "http/1.1" | "h2c" } = {},
): Promise<LoopbackServer> {
  const requests: RecordedRequest[] = [];
  const connections = new Set<TrackedConnection>();
  const connectionOf = new WeakMap<object, TrackedConnection>();

  const track = (
    handle: object & { destroy(): void; once(event: "close", listener: () => void): unknown },
  ) => {
    const connection: TrackedConnection = { hadRequest: false, destroy: () => handle.destroy() };
    connections.add(connection);
    connectionOf.set(handle, connection);
    handle.once("close", () => connections.delete(connection));
  };

  const handle = async (
    incoming: IncomingMessage | Http2ServerRequest,
    response: ServerResponse | Http2ServerResponse,
    connectionHandle: object,
  ) => {
    const connection = connectionOf.get(connectionHandle);
    if (connection) {
      connection.hadRequest = true;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const request: RecordedRequest = {
      method: incoming.method ?? "",
      path: incoming.url ?? "",
      headers: incoming.headers,
      body,
    };
    requests.push(request);
    const answer = await reply(request, requests.length - 1);
    if (answer === "hang") {
      return;
    }
    response.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers });
    response.end(JSON.stringify(answer.json));
  };

  let server: Server;
  if (protocol === "h2c") {
    const http2Server = createHttp2Server(
      (incoming, response) => void handle(incoming, response, incoming.stream.session ?? {}),
    );
    http2Server.on("session", (session) => track(session));
    server = http2Server;
  } else {
    const httpServer = createServer((incoming, response) => void handle(incoming, response, incoming.socket));
    httpServer.on("connection", (socket) => track(socket));
    server = httpServer;
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openConnectionsWithRequests: () => [...connections].filter((connection) => connection.hadRequest).length,
    async close() {
      for (const connection of connections) {
        connection.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
