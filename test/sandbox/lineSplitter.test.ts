/** The host's output handling in isolation: bounded line splitting and the log sink. */
import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../sandbox/host/lineSplitter.ts";
import { createLogSink } from "../../sandbox/host/logSink.ts";
import { createSecretMasker } from "../../sandbox/host/secretMask.ts";
import type { SandboxLogLine } from "../../sandbox/index.ts";

function split(chunks: string[], limit: number) {
  const lines: [string, number][] = [];
  const splitter = new LineSplitter({
    headBytes: 2,
    limitFor: (head) => (head.toString() === "F:" ? 1000 : limit),
    onLine: (line, dropped) => lines.push([line.toString(), dropped]),
  });
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("joins lines across chunks and keeps an unterminated last line", () => {
    expect(split(["ab", "c\nde", "f\n\ng"], 100)).toEqual([
      ["abc", 0],
      ["def", 0],
      ["", 0],
      ["g", 0],
    ]);
  });

  it("keeps at most the limit of a line and counts the rest", () => {
    expect(split(["x".repeat(50), "x".repeat(50), "\nok\n"], 10)).toEqual([
      ["x".repeat(10), 90],
      ["ok", 0],
    ]);
  });

  it("lets the head of a line choose its limit", () => {
    expect(split([`F:${"y".repeat(50)}\n`, `L:${"y".repeat(50)}\n`], 10)).toEqual([
      [`F:${"y".repeat(50)}`, 0],
      [`L:${"y".repeat(8)}`, 42],
    ]);
  });
});

describe("log sink", () => {
  function sink(maxTotalBytes = 1000, secrets: string[] = []) {
    const lines: SandboxLogLine[] = [];
    const log = createLogSink({
      maxLineBytes: 20,
      maxTotalBytes,
      masker: createSecretMasker(secrets),
      onLog: (line) => lines.push(line),
    });
    return { log, lines };
  }

  it("masks secrets even across the line cut", () => {
    const { log, lines } = sink(1000, ["hunter2-long-secret"]);
    log.write(`${"a".repeat(10)}hunter2-long-secret`, "info");
    expect(lines).toEqual([{ level: "info", message: `${"a".repeat(10)}***` }]);
  });

  it("drops blank lines and stops after the total cap with one notice", () => {
    const { log, lines } = sink(25);
    log.write("first line\n\n   \nsecond line", "info");
    log.write("third line", "error");
    log.write("fourth line", "error");
    expect(lines).toEqual([
      { level: "info", message: "first line" },
      { level: "info", message: "second line" },
      { level: "warn", message: "log limit of 25 bytes reached; further output dropped" },
    ]);
  });
});
