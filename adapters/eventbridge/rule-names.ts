// How agentcron names EventBridge rules per stage. Kept apart from the rule reconciler so the CLI and
// the stack's naming can validate a stage without loading the EventBridge client.

/**
 * A stage is 1-12 lowercase letters and digits, starting with a letter.
 * - At most 12: a rule is named `ac-<stage>-<jobId>`, EventBridge caps rule names at 64 characters
 *   and a job id may be 48 (3 + 12 + 1 + 48 = 64).
 * - No `-`: the rules of stage `dev` are everything named `ac-dev-*` (ListRules by prefix, the IAM
 *   and queue policies' resource patterns); a stage `dev-2` would put its rules inside that prefix.
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9]{0,11}$/;

/** The stage name cannot be used for rule names (see {@link STAGE_PATTERN}). */
export class InvalidStageError extends Error {
  override name = "InvalidStageError";
}

/**
 * Returns the stage unchanged when it can name rules, queues and alarms.
 * @throws InvalidStageError saying what is wrong and what a valid stage looks like.
 */
export function validateStage(stage: string): string {
  if (STAGE_PATTERN.test(stage)) return stage;
  const problems: string[] = [];
  if (stage.length === 0) problems.push("it is empty");
  if (stage.length > 12) problems.push(`it is ${stage.length} characters long (at most 12)`);
  if (/[^a-z0-9]/.test(stage))
    problems.push("only lowercase letters and digits are allowed (no '-', '_' or capitals)");
  if (/^[^a-z]/.test(stage)) problems.push("it must start with a letter");
  throw new InvalidStageError(
    `stage "${stage}" cannot be used: ${problems.join("; ")}. Job rules are named ac-<stage>-<jobId> and ` +
      "EventBridge allows 64 characters with job ids of up to 48, and a '-' would let one stage's rules fall " +
      "inside another's ac-<stage>- prefix. Use e.g. dev, prod or pr123.",
  );
}

/** `ac-<stage>-`: the prefix of every rule of the stage (and the IAM/queue-policy resource pattern). */
export function ruleNamePrefix(stage: string): string {
  return `ac-${validateStage(stage)}-`;
}

/** `ac-<stage>-<jobId>`: at most 64 characters for every valid stage and job id. */
export function ruleNameFor(stage: string, jobId: string): string {
  return `${ruleNamePrefix(stage)}${jobId}`;
}
