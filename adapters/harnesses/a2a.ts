import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  type Harness,
  HarnessAbortedError,
  HarnessFailedError,
  type HarnessTurnResult,
} from "#core/agents/harness.ts";
import { type A2aOptions, a2aDescriptor } from "./a2a-options.ts";
import { abortableDelay, boundedTurnSignal, describeAbortReason } from "./abort.ts";

export { type A2aOptions, a2aOptionsSchema } from "./a2a-options.ts";

const CANCEL_TIMEOUT_MS = 2_000;
const ERROR_BODY_EXCERPT_CHARACTERS = 500;

const partSchema = z.looseObject({
  kind: z.string().optional(),
  text: z.string().optional(),
  data: z.unknown().optional(),
});
const messageSchema = z.looseObject({ role: z.string().optional(), parts: z.array(partSchema) });
const taskSchema = z.looseObject({
  kind: z.literal("task"),
  id: z.string(),
  status: z.looseObject({ state: z.string(), message: messageSchema.optional() }),
  artifacts: z.array(z.looseObject({ parts: z.array(partSchema) })).optional(),
  history: z.array(messageSchema).optional(),
});
const sendResultSchema = z.union([taskSchema, messageSchema.extend({ kind: z.literal("message") })]);
const jsonRpcResponseSchema = z.looseObject({
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.number(), message: z.string() }).optional(),
});

type A2aTask = z.infer<typeof taskSchema>;
type A2aMessage = z.infer<typeof messageSchema>;

const TERMINAL_STATES = new Set(["completed", "failed", "canceled", "rejected"]);
// The remote agent waits for a human: a scheduled turn has nobody to answer.
const INTERRUPTED_STATES = new Set(["input-required", "auth-required"]);

/**
 * The `a2a` harness: sends the prompt to a remote agent with A2A JSON-RPC `message/send`. A Message
 * answer is the output; a Task is polled with `tasks/get` until it completes, fails, or the turn is
 * stopped — then it is cancelled (`tasks/cancel`, best effort). Plugin tools are not forwarded: the
 * remote agent has its own.
 *
 * @throws SecretNotFoundError when `authTokenRef` resolves to nothing.
 * @throws HarnessFailedError on an HTTP or JSON-RPC error, an unreadable answer, a task that ends
 *   failed/canceled/rejected, or one that waits for input.
 * @throws HarnessAbortedError when the turn is stopped, with the task's latest status text.
 */
export const a2aHarness: Harness<A2aOptions> = {
  ...a2aDescriptor,
  async run(input) {
    const { options } = input;
    const turn = boundedTurnSignal(input);
    let task: A2aTask | undefined;
    let call: JsonRpcCall | undefined;
    try {
      const token =
        options.authTokenRef === undefined
          ? undefined
          : await input.secrets.resolve(options.authTokenRef, turn.signal);
      const headers: Record<string, string> = {
        ...options.headers,
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      };
      call = (method, params, signal) => callJsonRpc(options.url, headers, method, params, signal);

      const answer = parseAnswer(
        options.url,
        "message/send",
        sendResultSchema,
        await call(
          "message/send",
          {
            message: {
              kind: "message",
              role: "user",
              messageId: randomUUID(),
              parts: [{ kind: "text", text: input.prompt }],
              metadata: { agentcronJobId: input.jobId, agentcronRunId: input.runId },
            },
          },
          turn.signal,
        ),
      );
      if (answer.kind === "message") {
        return result(textOf(answer), input.model);
      }

      task = answer;
      while (!TERMINAL_STATES.has(task.status.state)) {
        if (INTERRUPTED_STATES.has(task.status.state)) {
          await cancelTask(call, task.id);
          throw new HarnessFailedError(
            `A2A agent at ${options.url} put task ${task.id} in state ${task.status.state} (${statusText(task) || "no message"}); a scheduled turn cannot answer, so the task was cancelled.`,
          );
        }
        await abortableDelay(options.pollIntervalMs, turn.signal, input.clock);
        task = parseAnswer(
          options.url,
          "tasks/get",
          taskSchema,
          await call("tasks/get", { id: task.id }, turn.signal),
        );
      }
      if (task.status.state !== "completed") {
        throw new HarnessFailedError(
          `A2A agent at ${options.url} ended task ${task.id} as ${task.status.state}: ${statusText(task) || "no message"}`,
        );
      }
      return result(taskOutput(task), input.model);
    } catch (error) {
      if (!turn.signal.aborted) {
        throw error;
      }
      if (task !== undefined && call !== undefined) {
        await cancelTask(call, task.id);
      }
      throw new HarnessAbortedError(`A2A turn stopped: ${describeAbortReason(turn.signal.reason)}`, {
        output: task === undefined ? "" : statusText(task),
        provider: "a2a",
        toolCalls: 0,
        stopReason: "aborted",
      });
    } finally {
      turn.dispose();
    }
  },
};

function result(output: string, model: string | undefined): HarnessTurnResult {
  return {
    output,
    provider: "a2a",
    ...(model === undefined ? {} : { model }),
    toolCalls: 0,
    stopReason: "completed",
  };
}

type JsonRpcCall = (method: string, params: unknown, signal: AbortSignal) => Promise<unknown>;

/** Best effort: the remote task should not keep working for nobody; failures are ignored. */
async function cancelTask(call: JsonRpcCall, taskId: string): Promise<void> {
  try {
    await call("tasks/cancel", { id: taskId }, AbortSignal.timeout(CANCEL_TIMEOUT_MS));
  } catch {
    // the agent may not support cancel, or be gone; the turn's outcome is already decided
  }
}

async function callJsonRpc(
  url: string,
  headers: Readonly<Record<string, string>>,
  method: string,
  params: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method, params }),
      signal,
    });
    body = await response.text();
  } catch (error) {
    if (signal.aborted) {
      throw error;
    }
    throw new HarnessFailedError(
      `A2A agent at ${url} could not be reached for ${method}: ${describeFetchError(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) {
    throw new HarnessFailedError(
      `A2A agent at ${url} answered ${method} with HTTP ${response.status}: ${body.slice(0, ERROR_BODY_EXCERPT_CHARACTERS)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HarnessFailedError(
      `A2A agent at ${url} answered ${method} with something other than JSON: ${body.slice(0, ERROR_BODY_EXCERPT_CHARACTERS)}`,
    );
  }
  const envelope = jsonRpcResponseSchema.safeParse(parsed);
  if (!envelope.success) {
    throw new HarnessFailedError(
      `A2A agent at ${url} answered ${method} with a malformed JSON-RPC response.`,
    );
  }
  if (envelope.data.error) {
    throw new HarnessFailedError(
      `A2A agent at ${url} answered ${method} with JSON-RPC error ${envelope.data.error.code}: ${envelope.data.error.message}`,
    );
  }
  return envelope.data.result;
}

function parseAnswer<Schema extends z.ZodType>(
  url: string,
  method: string,
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const expected = method === "message/send" ? "an A2A Message or Task" : "an A2A Task";
    throw new HarnessFailedError(
      `A2A agent at ${url} answered ${method} with a result that is not ${expected}: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

function textOf(message: A2aMessage): string {
  return message.parts
    .flatMap((part) => {
      if (part.text !== undefined) return [part.text];
      if (part.kind === "data" && part.data !== undefined) return [JSON.stringify(part.data)];
      return [];
    })
    .join("\n");
}

function statusText(task: A2aTask): string {
  return task.status.message ? textOf(task.status.message) : "";
}

/** A completed task's answer: its artifacts, else its final status message, else the agent's last message. */
function taskOutput(task: A2aTask): string {
  const artifactText = (task.artifacts ?? [])
    .map((artifact) => textOf(artifact))
    .filter((text) => text !== "")
    .join("\n\n");
  if (artifactText !== "") {
    return artifactText;
  }
  const status = statusText(task);
  if (status !== "") {
    return status;
  }
  const lastAgentMessage = [...(task.history ?? [])].reverse().find((message) => message.role === "agent");
  return lastAgentMessage ? textOf(lastAgentMessage) : "";
}

/** undici hides the useful part ("ECONNREFUSED ...") in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
