// Writes 1,000,000 bytes to stdout BEFORE reading stdin (a pipe holds ~64 KB, so a parent that only
// reads stdout after writing the prompt or after the exit would deadlock), then echoes the prompt.
const chunk = "x".repeat(10_000);
for (let index = 0; index < 100; index += 1) {
  process.stdout.write(chunk);
}
let prompt = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (data) => {
  prompt += data;
});
process.stdin.on("end", () => {
  process.stdout.write(`\nPROMPT:${prompt}`);
});
