import { startFauxqs } from "fauxqs";
import { findFreeLoopbackPort } from "./free-port.ts";

export interface SqsEmulator {
  /** `http://127.0.0.1:PORT` — pass as the SQS client's endpoint. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the fauxqs SQS emulator in this process on a loopback port. Its state is in memory
 * only (fauxqs has no persistence), which is why the local runtime recreates its queues on boot.
 */
export async function startSqsEmulator(options: { port?: number } = {}): Promise<SqsEmulator> {
  const port = options.port ?? (await findFreeLoopbackPort());
  const server = await startFauxqs({ port, logger: false });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.stop(),
  };
}
