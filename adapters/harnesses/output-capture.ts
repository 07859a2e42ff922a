/**
 * Keeps the first `limitBytes` of a stream and counts the rest. Writes past the limit are still
 * accepted (and dropped), so the producer is always drained and never blocks on a full pipe
 * (field report 3).
 */
export class HeadCapture {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private seenBytes = 0;

  constructor(private readonly limitBytes: number) {}

  append(chunk: Buffer): void {
    this.seenBytes += chunk.length;
    const room = this.limitBytes - this.keptBytes;
    if (room <= 0) {
      return;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.keptBytes += kept.length;
  }

  get totalBytes(): number {
    return this.seenBytes;
  }

  get truncated(): boolean {
    return this.seenBytes > this.keptBytes;
  }

  /** The kept bytes as UTF-8, with a note when bytes were dropped. */
  text(): string {
    const text = Buffer.concat(this.chunks).toString("utf8");
    return this.truncated
      ? `${text}\n[output truncated: kept the first ${this.keptBytes} of ${this.seenBytes} bytes]`
      : text;
  }
}

/** Keeps the last `limitBytes` of a stream (for the tail of stderr in an error message). */
export class TailCapture {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly limitBytes: number) {}

  append(chunk: Buffer): void {
    const combined = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.buffer =
      combined.length > this.limitBytes ? combined.subarray(combined.length - this.limitBytes) : combined;
  }

  text(): string {
    return this.buffer.toString("utf8").trim();
  }
}
