/**
 * Gives console.debug and console.warn a level the host can read. Deno prints debug on stdout (which
 * the host logs as "info") and warn on stderr (logged as "error"); a "[debug] " / "[warn] " prefix on
 * every line tells the host the real level. console.log/info/error keep Deno's own formatting.
 */

function format(args: unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : Deno.inspect(a, { colors: false }))).join(" ");
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

export function installConsoleLevels(): void {
  const log = console.log.bind(console);
  const error = console.error.bind(console);
  console.debug = (...args: unknown[]) => log(prefixLines("[debug] ", format(args)));
  console.warn = (...args: unknown[]) => error(prefixLines("[warn] ", format(args)));
}
