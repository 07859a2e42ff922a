// Reports progress on stdout, logs a lot on stderr (more than a stream tail keeps), ends with a
// recognisable line and exits with code 3 once both streams are flushed.
for (let step = 0; step < 3; step += 1) process.stdout.write(`step ${step} done\n`);
for (let index = 0; index < 1000; index += 1) process.stderr.write(`debug line ${index}\n`);
process.stderr.write("fatal: the agent configuration file is missing\n");
process.exitCode = 3;
