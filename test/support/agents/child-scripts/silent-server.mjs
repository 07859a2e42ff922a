// Reads stdin and never writes: an MCP stdio server that hangs in `initialize`.
// It also ignores SIGTERM, so only the SIGKILL after the grace ends it.
// argv[2] (optional): file where it writes its pid once the first request (initialize) arrived.
import { writeFileSync } from "node:fs";

process.on("SIGTERM", () => {});
process.stdin.once("data", () => {
  if (process.argv[2]) writeFileSync(process.argv[2], String(process.pid));
});
process.stdin.resume();
setInterval(() => {}, 1_000);
