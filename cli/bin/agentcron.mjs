#!/usr/bin/env node
// The `agentcron` executable: registers tsx (the CLI is TypeScript, run from source like the rest
// of the project), then runs cli/main.ts.
import { register } from "tsx/esm/api";

register();
await import(new URL("../main.ts", import.meta.url).href);
