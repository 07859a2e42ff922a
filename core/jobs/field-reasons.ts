import type { FieldReasons } from "../validation.ts";
import { CEILING_MARGIN_SECONDS, LAMBDA_MAX_TIMEOUT_SECONDS } from "./time-budget.ts";

const ONE_INVOCATION =
  `a run happens inside one invocation of the turn function, and Lambda stops a function after ` +
  `${LAMBDA_MAX_TIMEOUT_SECONDS} s (15 minutes): the whole run (maxRunSeconds, plus ${CEILING_MARGIN_SECONDS} s ` +
  "to record its outcome) must fit in it. Split longer work into several jobs or shorter runs";

/**
 * Why a job field is bounded as it is (job-schema.ts), for the messages of a value out of bounds:
 * "5000 is too big: use at most 900 — a run happens inside one invocation ...". Keyed by the
 * field's path without indices.
 */
export const JOB_FIELD_REASONS: FieldReasons = {
  "timeouts.agentTurnSeconds": { max: ONE_INVOCATION },
  maxRunSeconds: { max: ONE_INVOCATION },
  leaseSeconds: {
    min: "a run renews its lease every third of it, and a lease much shorter than 15 s could expire between two renewals that met a slow store",
    max: `no run lasts longer than ${LAMBDA_MAX_TIMEOUT_SECONDS} s, so a longer lease only delays noticing a crashed one`,
  },
  retryOnStall: { max: "a run that stalled three times in a row has a cause another attempt will not fix" },
};
