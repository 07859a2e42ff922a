import {
  DeleteRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Rule,
  type Target,
} from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";

/** The write calls the reconciler can make; a test asserts on exactly these. */
export const WRITE_COMMANDS = [
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  DeleteRuleCommand,
  EnableRuleCommand,
  DisableRuleCommand,
] as const;

interface StoredRule {
  rule: Rule;
  targets: Target[];
}

/**
 * An in-memory EventBridge (default bus) behind aws-sdk-client-mock: enough of ListRules (prefix,
 * pagination), ListTargetsByRule, PutRule, PutTargets, RemoveTargets, DeleteRule and Enable/Disable
 * for the reconciler to be run twice against the state it left behind. It enforces what EventBridge
 * enforces that matters here: a rule with targets cannot be deleted.
 */
export function createFakeEventBridge(options: { pageSize?: number } = {}) {
  const pageSize = options.pageSize ?? 100;
  const rules = new Map<string, StoredRule>();
  const client = new EventBridgeClient({
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const mock = mockClient(client);

  const arnOf = (name: string) => `arn:aws:events:us-east-1:123456789012:rule/${name}`;

  mock.on(ListRulesCommand).callsFake((input) => {
    const matching = [...rules.values()]
      .map((stored) => stored.rule)
      .filter((rule) => (rule.Name ?? "").startsWith(input.NamePrefix ?? ""))
      .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
    const start = Number(input.NextToken ?? 0);
    const page = matching.slice(start, start + Math.min(pageSize, input.Limit ?? 100));
    const next = start + page.length;
    return {
      Rules: page.map((rule) => ({ ...rule })),
      NextToken: next < matching.length ? String(next) : undefined,
    };
  });
  mock.on(ListTargetsByRuleCommand).callsFake((input) => {
    const stored = rules.get(input.Rule ?? "");
    if (!stored)
      throw Object.assign(new Error(`Rule ${input.Rule} does not exist.`), {
        name: "ResourceNotFoundException",
      });
    return { Targets: structuredClone(stored.targets) };
  });
  mock.on(PutRuleCommand).callsFake((input) => {
    const name = input.Name ?? "";
    const existing = rules.get(name);
    rules.set(name, {
      rule: {
        Name: name,
        Arn: arnOf(name),
        EventBusName: "default",
        ScheduleExpression: input.ScheduleExpression,
        State: input.State ?? "ENABLED",
        Description: input.Description,
      },
      targets: existing?.targets ?? [],
    });
    return { RuleArn: arnOf(name) };
  });
  mock.on(PutTargetsCommand).callsFake((input) => {
    const stored = rules.get(input.Rule ?? "");
    if (!stored) throw new Error(`Rule ${input.Rule} does not exist.`);
    for (const target of input.Targets ?? []) {
      stored.targets = [
        ...stored.targets.filter((existing) => existing.Id !== target.Id),
        structuredClone(target),
      ];
    }
    return { FailedEntryCount: 0, FailedEntries: [] };
  });
  mock.on(RemoveTargetsCommand).callsFake((input) => {
    const stored = rules.get(input.Rule ?? "");
    if (stored)
      stored.targets = stored.targets.filter((target) => !(input.Ids ?? []).includes(target.Id ?? ""));
    return { FailedEntryCount: 0, FailedEntries: [] };
  });
  mock.on(DeleteRuleCommand).callsFake((input) => {
    const stored = rules.get(input.Name ?? "");
    if (stored && stored.targets.length > 0) {
      throw Object.assign(new Error("Rule can't be deleted since it has targets."), {
        name: "ValidationException",
      });
    }
    rules.delete(input.Name ?? "");
    return {};
  });
  mock.on(EnableRuleCommand).callsFake((input) => {
    const stored = rules.get(input.Name ?? "");
    if (stored) stored.rule.State = "ENABLED";
    return {};
  });
  mock.on(DisableRuleCommand).callsFake((input) => {
    const stored = rules.get(input.Name ?? "");
    if (stored) stored.rule.State = "DISABLED";
    return {};
  });

  return {
    client,
    mock,
    rules,
    /** Seeds a rule as if someone (or another stage) had created it. */
    seed(rule: Rule, targets: Target[] = []) {
      const name = rule.Name ?? "";
      rules.set(name, { rule: { EventBusName: "default", Arn: arnOf(name), ...rule }, targets });
    },
    /** The write calls made so far, as `Command name → rule name`. */
    writes(): string[] {
      return mock
        .calls()
        .map((call) => call.args[0] as unknown)
        .filter((command) => WRITE_COMMANDS.some((type) => command instanceof type))
        .map((command) => {
          const { input } = command as { input: { Name?: string; Rule?: string } };
          const commandName = (command as object).constructor.name.replace(/Command$/, "");
          return `${commandName} ${input.Name ?? input.Rule}`;
        })
        .sort();
    },
  };
}
