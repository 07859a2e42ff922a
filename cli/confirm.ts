import { createInterface } from "node:readline/promises";
import type { CommandContext } from "./context.ts";

/** Asks a yes/no question on the terminal (on stderr, so stdout stays clean); only y/yes agrees. */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const prompt = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr as NodeJS.WritableStream });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}
