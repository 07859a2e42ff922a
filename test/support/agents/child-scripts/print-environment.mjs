// Prints the prompt it read and the variables the test cares about, as JSON.
let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (data) => {
  prompt += data;
});
process.stdin.on("end", () => {
  const names = [
    "AGENT_TOKEN",
    "AGENT_MODE",
    "AGENTCRON_JOB_ID",
    "AGENTCRON_RUN_ID",
    "LEAKY_RUNTIME_SECRET",
    "PATH",
  ];
  process.stdout.write(
    JSON.stringify({
      prompt,
      env: Object.fromEntries(names.map((name) => [name, process.env[name] ?? null])),
    }),
  );
});
