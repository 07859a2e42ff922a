import { fileURLToPath } from "node:url";

/** Absolute path of a script in test/support/agents/child-scripts (run with `process.execPath`). */
export function childScript(fileName: string): string {
  return fileURLToPath(new URL(`./child-scripts/${fileName}`, import.meta.url));
}
