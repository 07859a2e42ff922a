// Starts a grandchild in the same process group, writes "childPid grandchildPid" to argv[2], then
// either waits forever (argv[3] = "wait") or ends at once leaving the grandchild behind ("exit").
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
writeFileSync(process.argv[2], `${process.pid} ${grandchild.pid}`);
if (process.argv[3] === "exit") {
  grandchild.unref();
  process.stdout.write("done, leaving a background process\n");
} else {
  setInterval(() => {}, 1_000);
}
