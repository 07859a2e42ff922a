import type { LocalRuntimeState } from "#local/runtime-state.ts";
import { connectTarget } from "../connect.ts";
import { type ConsoleServer, startConsole } from "./server.ts";

/**
 * The console `npm start` opens beside the local runtime: the same console as `agentcron console
 * --state-dir DIR`, connected the way the CLI connects to that runtime.
 * @throws ConsoleListenError when `port` is taken.
 */
export async function startLocalConsole(options: {
  readonly state: LocalRuntimeState;
  readonly stateDir: string;
  readonly port?: number;
  readonly onError?: (error: unknown) => void;
}): Promise<ConsoleServer> {
  const deployment = await connectTarget({ kind: "local", stateDir: options.stateDir, state: options.state });
  try {
    const server = await startConsole({ deployment, port: options.port, onError: options.onError });
    return {
      ...server,
      async close() {
        await server.close();
        deployment.close();
      },
    };
  } catch (error) {
    deployment.close();
    throw error;
  }
}
