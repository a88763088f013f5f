/**
 * Finds the comment block(s) at the top of a source file — before the first statement, after an
 * optional BOM and shebang — and returns their lines with the comment markers removed, so that
 * annotations are read only where a reader of the file would look for them.
 */

export interface CommentLine {
  /** 1-based line number in the whole file. */
  line: number;
  /** The line's text without `//`, `/*`, a leading `*` or a closing `*\/`, trimmed. */
  text: string;
}

export interface LeadingComments {
  lines: CommentLine[];
  /** 1-based line on which the first statement starts (past the end of the file when none). */
  codeStartLine: number;
  /** Offset of the first statement in `source`. */
  codeStartOffset: number;
}

export function leadingComments(source: string): LeadingComments {
  const lines: CommentLine[] = [];
  let i = source.startsWith("\uFEFF") ? 1 : 0;
  let line = 1;
  if (source.startsWith("#!", i)) i = endOfLine(source, i);

  while (i < source.length) {
    const ch = source[i];
    if (ch === "\n") {
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f" || ch === "\v") {
      i++;
    } else if (source.startsWith("//", i)) {
      const end = endOfLine(source, i);
      lines.push({
        line,
        text: source
          .slice(i + 2, end)
          .replace(/^\/+/, "")
          .trim(),
      });
      i = end;
    } else if (source.startsWith("/*", i)) {
      const close = source.indexOf("*/", i + 2);
      const end = close === -1 ? source.length : close;
      const body = source.slice(i + 2, end).replace(/^\*+/, "");
      for (const [index, raw] of body.split("\n").entries()) {
        const text = raw.replace(/\r$/, "").trim().replace(/^\*+/, "").trim();
        lines.push({ line: line + index, text });
      }
      line += body.split("\n").length - 1;
      i = close === -1 ? source.length : close + 2;
    } else {
      break;
    }
  }
  return { lines, codeStartLine: line, codeStartOffset: i };
}

function endOfLine(source: string, from: number): number {
  const end = source.indexOf("\n", from);
  return end === -1 ? source.length : end;
}
