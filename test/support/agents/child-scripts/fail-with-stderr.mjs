// Writes a lot to stderr, ends with a recognisable line, and exits with code 3 once stderr is
// flushed (process.exit() would drop writes still queued when the pipe is full).
for (let index = 0; index < 500; index += 1) {
  process.stderr.write(`debug line ${index}: still loading configuration\n`);
}
process.stderr.write("fatal: the agent configuration file is missing\n");
process.exitCode = 3;
