/** What the commands print: aligned tables, JSON, and times a person reads at a glance. */

/**
 * `fluxbase jobs logs <id> | head` closes the pipe early: the rest of the output has no reader, so the
 * command ends quietly (exit 0, as `git log | head` does) instead of crashing on EPIPE.
 */
export function closeOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit(0);
    });
  }
}

/** Columns padded to their widest cell, two spaces apart, trailing spaces trimmed. */
export function table(header: string[], rows: string[][]): string {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((line) => (line[i] ?? "").length)));
  return `${lines
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/** Writes lines to stdout, each ending with a newline. */
export function print(...lines: string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(""));
}

/** Writes a value as indented JSON to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 04h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${pad(Math.floor(seconds / 3600) % 24)}h`;
}

/** The time between two ISO timestamps, `to` defaulting to now; `-` without a start. */
export function span(from: string | null | undefined, to?: string | null): string {
  if (!from) return "-";
  return formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from));
}

/** An ISO timestamp to the second, in UTC: `2026-11-23T18:00:43Z`; `-` for none. */
export function formatTime(iso: string | null | undefined): string {
  return iso ? `${new Date(iso).toISOString().slice(0, 19)}Z` : "-";
}
