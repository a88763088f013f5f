import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { blocks, examplesDir, filesUnder, pages, quoteOf, root } from "./support.ts";

describe("quoted examples", () => {
  it("has the pages the README lists", () => {
    for (const page of [
      "getting-started.md",
      "job-functions.md",
      "http-api.md",
      "realtime.md",
      "configuration.md",
      "cli.md",
      "security.md",
      "operations.md",
    ]) {
      expect(pages).toContain(page);
    }
  });

  it("quotes every named file byte for byte", () => {
    const quoted = blocks.filter((block) => quoteOf(block));
    expect(quoted.length).toBeGreaterThan(10);
    for (const block of quoted) {
      const file = path.join(root, quoteOf(block)!);
      const where = `${block.page}:${block.line} quotes ${quoteOf(block)}`;
      expect(() => statSync(file), where).not.toThrow();
      const quotedText = block.body.split("\n").slice(1).join("\n").trim();
      expect(quotedText, where).toBe(readFileSync(file, "utf8").trim());
    }
  });

  it("quotes every file under docs/examples at least once", () => {
    const named = new Set(blocks.map(quoteOf).filter(Boolean));
    // docs/examples/browser holds pages the server serves, with their own test (test/browser).
    const files = filesUnder(examplesDir).filter((file) => !file.includes(`${path.sep}browser${path.sep}`));
    for (const file of files) {
      expect(named, `${path.relative(root, file)} is not quoted by any page`).toContain(
        path.relative(root, file).split(path.sep).join("/"),
      );
    }
  });

  it("keeps handler and client examples in files, not only in the pages", () => {
    for (const block of blocks) {
      if (!["ts", "typescript", "js"].includes(block.lang) || quoteOf(block)) continue;
      const runnable = /createClient\(|export (async )?function (handler|main)|export default/.test(
        block.body,
      );
      expect(runnable, `${block.page}:${block.line} should be a file in docs/examples`).toBe(false);
    }
  });
});
