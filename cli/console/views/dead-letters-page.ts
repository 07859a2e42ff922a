import { MAX_MESSAGES_PER_COMMAND } from "#adapters/sqs/dead-letter-operations.ts";
import { UsageError } from "../../exit-codes.ts";
import { type DeadLetterPeek, type DeadLetterView, peekDeadLetters } from "../../operations/dead-letters.ts";
import { parseQueueRoles, parseWholeNumber, QUEUE_ROLES, type QueueRoleArgument } from "../../parse.ts";
import { html, type SafeHtml } from "../html.ts";
import type { PageContent, ViewContext } from "../view-context.ts";
import { paths, plural, timeOf } from "./format.ts";

/** One DLQ as the page shows it: its dead letters, or why they could not be read. */
export type QueuePeek =
  | { readonly role: QueueRoleArgument; readonly peek: DeadLetterPeek }
  | { readonly role: QueueRoleArgument; readonly problem: string };

const DEFAULT_LIMIT = 20;

async function peekAll(context: ViewContext, limit: number): Promise<QueuePeek[]> {
  return Promise.all(
    QUEUE_ROLES.map(async (role): Promise<QueuePeek> => {
      try {
        return { role, peek: await peekDeadLetters(context.deployment, role, limit) };
      } catch (error) {
        return { role, problem: (error as Error).message };
      }
    }),
  );
}

/** The dead-letters page: both DLQs, each message's reason, path and body; redrive per queue. */
export async function deadLettersPage(context: ViewContext): Promise<PageContent> {
  const limit = limitOf(context.query);
  return {
    title: "Dead letters",
    section: "dead-letters",
    main: renderDeadLettersPage(await peekAll(context, limit)),
  };
}

export function renderDeadLettersPage(queues: readonly QueuePeek[]): SafeHtml {
  return html`<h1>Dead letters</h1>
<p class="lead">Messages a queue gave up on. Looking does not consume them (each look counts as a receive, which on a dead-letter queue changes nothing).</p>
${queues.map((queue) => renderQueue(queue))}`;
}

function renderQueue(queue: QueuePeek): SafeHtml {
  const title = `${queue.role} DLQ`;
  const id = `dlq-${queue.role}`;
  if ("problem" in queue) {
    return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2><p class="problem-inline" role="alert">Cannot read it: ${queue.problem}</p></section>`;
  }
  const { depth, messages } = queue.peek;
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}: ${plural(depth, "message")}${messages.length < depth ? ` (showing ${messages.length})` : ""}</h2>
${depth > 0 ? html`<p><a class="button" href="${paths.redrive(queue.role)}">Redrive the ${queue.role} DLQ…</a></p>` : html`<p class="muted">Empty.</p>`}
${messages.map((message) => renderMessage(message))}
</section>`;
}

function renderMessage(message: DeadLetterView): SafeHtml {
  return html`<article class="dead-letter" aria-label="Message ${message.messageId}">
<h3><code>${message.messageId}</code></h3>
<dl class="facts">
<dt>Sent</dt><dd>${timeOf(message.sentAt)} · received ${message.receiveCount}×</dd>
<dt>Why</dt><dd>${whyDead(message)}</dd>
${message.rejection?.path ? html`<dt>Path</dt><dd><code>${message.rejection.path}</code></dd>` : ""}
</dl>
<pre class="body" aria-label="Body">${prettyBody(message.body)}</pre>
</article>`;
}

function whyDead(message: DeadLetterView): SafeHtml {
  if (message.rejection) {
    return html`<span class="badge tone-bad">rejected</span> by ${message.rejection.rejectedBy ?? "?"} at ${message.rejection.rejectedAt ?? "?"}: ${message.rejection.reason ?? ""} <span class="subtle">It would be rejected again as it is: fix the cause, then redrive it including rejected messages.</span>`;
  }
  if (message.undelivered) {
    return html`<span class="badge tone-bad">undelivered</span> by EventBridge (${message.undelivered.errorCode ?? "?"}${message.undelivered.errorMessage ? `: ${message.undelivered.errorMessage}` : ""}) from <code>${message.undelivered.ruleArn ?? "?"}</code> <span class="subtle">A redrive sends it as the fire its rule would have sent.</span>`;
  }
  return html`<span class="badge tone-warn">exhausted its receives</span> the consumer failed on it every time: see the function's logs`;
}

function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** The redrive confirmation page: what would move, what would stay, and the button that does it. */
export async function redriveConfirmPage(context: ViewContext): Promise<PageContent> {
  const queue = context.query.get("queue");
  const [role] = queue ? parseQueueRoles(queue) : [];
  if (!role) throw new UsageError("say which dead-letter queue to redrive: ?queue=fires or ?queue=turns");
  const peek = await peekDeadLetters(context.deployment, role, 1000);
  const rejected = peek.messages.filter((message) => message.rejection).length;
  const movable = peek.messages.length - rejected;
  return {
    title: `Redrive the ${role} DLQ`,
    section: "dead-letters",
    main: html`<h1>Redrive the ${role} DLQ?</h1>
<p>The ${role} DLQ holds ${plural(peek.depth, "message")}. A redrive moves each back to the ${role} queue (receive, send, delete), where it is processed again — each at most once: it works on what the DLQ holds when it starts, so a message rejected again comes back as a new dead letter, not in a loop.</p>
<ul>
<li>${plural(movable, "message")} ${movable === 1 ? "goes" : "go"} back.</li>
<li>${plural(rejected, "message")} agentcron rejected ${rejected === 1 ? "stays" : "stay"}: ${rejected === 1 ? "it carries" : "they carry"} the reason and would be rejected again unless the cause is fixed.</li>
</ul>
<form method="post" action="/dead-letters/redrive" class="confirm">
<input type="hidden" name="queue" value="${role}">
<p><label><input type="checkbox" name="includeRejected" value="yes"> Also move the rejected messages (only after fixing their cause)</label></p>
<p><label>At most <input type="number" name="max" min="1" max="${MAX_MESSAGES_PER_COMMAND}" value="1000" size="7"> messages</label></p>
<p class="actions"><button type="submit" class="primary">Redrive the ${role} DLQ</button> <a href="${paths.deadLetters()}">Cancel</a></p>
</form>`,
  };
}

function limitOf(query: URLSearchParams): number {
  const text = query.get("limit");
  if (!text) return DEFAULT_LIMIT;
  try {
    return parseWholeNumber(text, "limit", { min: 1, max: 1000 });
  } catch {
    return DEFAULT_LIMIT;
  }
}
