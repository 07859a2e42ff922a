import { MAX_MESSAGES_PER_COMMAND, queueDepth } from "#adapters/sqs/dead-letter-operations.ts";
import type { DeadLetterView } from "#adapters/sqs/dead-letter-view.ts";
import { describeTime } from "#core/time-format.ts";
import { confirm } from "../confirm.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, UsageError } from "../exit-codes.ts";
import {
  type DeadLetterPeek,
  peekDeadLetters,
  purgeDeadLetters,
  type RedriveResult,
  redriveDeadLetters,
} from "../operations/dead-letters.ts";
import { truncate } from "../output.ts";
import { parseQueueRoles, parseWholeNumber } from "../parse.ts";

/** `dlq list [fires|turns] [--limit N]`: peeks at dead letters — why each is there, and its body. */
export async function dlqListCommand(
  ctx: CommandContext,
  roleArgument: string | undefined,
  options: { limit?: string },
): Promise<ExitCode> {
  const roles = parseQueueRoles(roleArgument);
  const limit =
    options.limit !== undefined ? parseWholeNumber(options.limit, "--limit", { min: 1, max: 1000 }) : 20;
  const deployment = await ctx.connect();
  const { out } = ctx;
  const result: Record<string, DeadLetterPeek> = {};
  for (const role of roles) {
    const peek = await peekDeadLetters(deployment, role, limit);
    result[role] = peek;
    const { depth, messages } = peek;
    out.line(
      out.style.bold(
        `${role} DLQ: ${plural(depth, "message")}${messages.length < depth ? ` (showing ${messages.length})` : ""}`,
      ),
    );
    for (const message of messages) out.lines(renderDeadLetter(message, out.style.red));
    if (messages.length > 0) out.line("");
  }
  out.data({ target: deployment.label, queues: result });
  return EXIT.ok;
}

function renderDeadLetter(message: DeadLetterView, red: (text: string) => string): string[] {
  const lines = [
    `  ${message.messageId}  sent ${message.sentAt !== undefined ? describeTime(message.sentAt) : "?"}  received ${message.receiveCount}×`,
  ];
  if (message.rejection) {
    lines.push(
      `    ${red("rejected")} by ${message.rejection.rejectedBy ?? "?"} at ${message.rejection.rejectedAt ?? "?"}: ${message.rejection.reason ?? ""}`,
    );
    if (message.rejection.path) lines.push(`    path: ${message.rejection.path}`);
  } else if (message.undelivered) {
    lines.push(
      `    ${red("undelivered")} by EventBridge (${message.undelivered.errorCode ?? "?"}${message.undelivered.errorMessage ? `: ${message.undelivered.errorMessage}` : ""}) from ${message.undelivered.ruleArn ?? "?"}`,
    );
  } else {
    lines.push("    exhausted its receives (the consumer failed on it every time): see the function's logs");
  }
  lines.push(`    body: ${truncate(message.body, 300)}`);
  return lines;
}

/**
 * `dlq redrive [fires|turns] [--max N] [--include-rejected]`: moves dead letters back to their
 * source queue and reports the counts. Each message moves at most once per command: the command
 * works on what the DLQ held when it started, so a message that is rejected again comes back as a
 * new dead letter for the next command, not a loop. Rejected messages stay unless
 * `--include-rejected`.
 */
export async function dlqRedriveCommand(
  ctx: CommandContext,
  roleArgument: string | undefined,
  options: { max?: string; includeRejected?: boolean },
): Promise<ExitCode> {
  const roles = parseQueueRoles(roleArgument);
  const max =
    options.max !== undefined
      ? parseWholeNumber(options.max, "--max", { min: 1, max: MAX_MESSAGES_PER_COMMAND })
      : 1000;
  const deployment = await ctx.connect();
  const { out } = ctx;
  const result: Record<string, RedriveResult> = {};
  let exitCode: ExitCode = EXIT.ok;
  for (const role of roles) {
    const report = await redriveDeadLetters(deployment, role, {
      max,
      includeRejected: options.includeRejected === true,
    });
    const { remaining } = report;
    result[role] = report;
    const parts = [`${role}: moved ${plural(report.moved, "message")} back to the ${role} queue`];
    if (report.keptRejected > 0) {
      parts.push(
        `kept ${report.keptRejected} rejected (they would be rejected again: fix the cause, or pass --include-rejected)`,
      );
    }
    if (report.seen >= max) parts.push(`stopped at --max ${max}`);
    parts.push(`${remaining} left in the DLQ`);
    out.line(`${parts.join("; ")}.`);
    if (options.includeRejected && report.moved > 0 && role === "fires") {
      out.line(
        out.style.dim(
          "  Messages rejected again come back to the DLQ as new dead letters: agentcron dlq list fires shows why.",
        ),
      );
    }
    for (const failure of report.failed) out.error(`  ${failure.messageId}: ${failure.reason}`);
    if (report.failed.length > 0) exitCode = EXIT.unhealthy;
  }
  out.data({ target: deployment.label, redriven: result });
  return exitCode;
}

/**
 * `dlq purge [fires|turns] [--yes]`: deletes the dead letters a DLQ holds, for good. Asks first
 * on a terminal; without one it needs `--yes` (exit 2 otherwise), as `jobs apply` does.
 */
export async function dlqPurgeCommand(
  ctx: CommandContext,
  roleArgument: string | undefined,
  options: { yes?: boolean },
): Promise<ExitCode> {
  const roles = parseQueueRoles(roleArgument);
  if (!options.yes && ctx.io.stdin.isTTY !== true) {
    throw new UsageError(
      "not purging without a confirmation: stdin is not a terminal. Pass --yes to delete the dead letters " +
        "(agentcron dlq list shows them first).",
    );
  }
  const deployment = await ctx.connect();
  const { out } = ctx;
  const depths = new Map<string, number>();
  for (const role of roles)
    depths.set(role, await queueDepth(deployment.sqs, deployment.queueUrl(role, true)));
  const total = [...depths.values()].reduce((sum, depth) => sum + depth, 0);
  const described = [...depths].map(([role, depth]) => `${role} DLQ ${plural(depth, "message")}`).join(", ");
  if (total === 0) {
    out.line(`Nothing to purge on ${deployment.label}: ${described}.`);
    out.data({ target: deployment.label, purged: Object.fromEntries([...depths.keys()].map((r) => [r, 0])) });
    return EXIT.ok;
  }
  if (!options.yes) {
    const agreed = await confirm(
      ctx,
      `Delete the dead letters of ${deployment.label} (${described})? They cannot be recovered. [y/N] `,
    );
    if (!agreed) {
      out.line("Nothing was deleted.");
      out.data({ target: deployment.label, purged: null });
      return EXIT.ok;
    }
  }
  const purged: Record<string, number> = {};
  let exitCode: ExitCode = EXIT.ok;
  for (const role of roles) {
    if (depths.get(role) === 0) {
      purged[role] = 0;
      continue;
    }
    const report = await purgeDeadLetters(deployment, role);
    purged[role] = report.deleted;
    out.line(
      `${role}: deleted ${plural(report.deleted, "dead letter")}; ${report.remaining} left in the DLQ.`,
    );
    for (const failure of report.failed) out.error(`  ${failure.messageId}: ${failure.reason}`);
    if (report.failed.length > 0) exitCode = EXIT.unhealthy;
  }
  out.data({ target: deployment.label, purged });
  return exitCode;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
