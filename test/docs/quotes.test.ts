import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { blocks, examplesDir, filesUnder, pages, quoteOf, root, userDocs } from "./support.ts";

describe("quoted examples", () => {
  it("has the pages the README lists", () => {
    for (const page of [
      "getting-started.md",
      "job-functions.md",
      "trusted-handlers.md",
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

  it("keeps every TypeScript and JavaScript sample in a file the suite runs", () => {
    for (const block of blocks) {
      if (!["ts", "typescript", "js", "javascript", "mjs"].includes(block.lang) || quoteOf(block)) continue;
      // A block of import lines only shows specifiers (npm:, jsr:); it has nothing to run.
      const onlyImports = block.body
        .split("\n")
        .every((line) => line.trim() === "" || /^import .* from "[^"]+";$/.test(line.trim()));
      expect(onlyImports, `${block.page}:${block.line} should quote a file in docs/examples`).toBe(true);
    }
  });

  it("speaks of the product, never of a spec", () => {
    for (const page of userDocs) {
      const text = readFileSync(path.join(root, page), "utf8").replace(/\*\.spec\.ts/g, "");
      expect(text, page).not.toMatch(/\bspec(s|'s)?\b|specification/i);
    }
  });
});
