// Reads stdin and never writes: an MCP stdio server that hangs in `initialize`.
// It also ignores SIGTERM, so only the SIGKILL after the grace ends it.
process.on("SIGTERM", () => {});
process.stdin.resume();
setInterval(() => {}, 1_000);
