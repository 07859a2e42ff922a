// Ignores SIGTERM and runs until SIGKILLed. argv[2]: file where it writes its pid once ready.
import { writeFileSync } from "node:fs";

process.on("SIGTERM", () => {
  process.stdout.write("got SIGTERM, ignoring it\n");
});
process.stdout.write("working...\n");
writeFileSync(process.argv[2], String(process.pid));
setInterval(() => {}, 1_000);
