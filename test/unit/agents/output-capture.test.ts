import { describe, expect, it } from "vitest";
import { HeadCapture, TailCapture } from "#adapters/harnesses/output-capture.ts";

describe("output capture", () => {
  it("keeps the first bytes, counts everything and notes the truncation", () => {
    const capture = new HeadCapture(5);

    capture.append(Buffer.from("abc"));
    capture.append(Buffer.from("defgh"));
    capture.append(Buffer.from("ij"));

    expect(capture.totalBytes).toBe(10);
    expect(capture.text()).toBe("abcde\n[output truncated: kept the first 5 of 10 bytes]");
  });

  it("adds no note when everything fits", () => {
    const capture = new HeadCapture(5);

    capture.append(Buffer.from("abc"));

    expect(capture.text()).toBe("abc");
  });

  it("keeps only the tail of stderr", () => {
    const tail = new TailCapture(6);

    tail.append(Buffer.from("line one\n"));
    tail.append(Buffer.from("fatal!"));

    expect(tail.text()).toBe("fatal!");
  });
});
