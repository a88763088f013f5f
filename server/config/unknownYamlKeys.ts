/**
 * Finds keys in fluxbase.yaml that no setting reads, each with the closest known key, so a typo
 * (`server.prot: 9000`) stops start-up instead of being silently ignored.
 */

export interface UnknownKey {
  key: string;
  suggestion?: string;
}

/** `known`: every dotted yaml path a setting reads (`server.port`, `jobs.poll_interval`, ...). */
export function unknownYamlKeys(yaml: Record<string, unknown>, known: string[]): UnknownKey[] {
  const leaves = new Set(known);
  const sections = new Set(
    known.flatMap((key) =>
      key
        .split(".")
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join(".")),
    ),
  );
  const unknown: UnknownKey[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (leaves.has(key)) continue;
      if (sections.has(key) && value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, key);
        continue;
      }
      unknown.push({
        key,
        suggestion: sections.has(key) ? undefined : closest(key, [...known, ...sections]),
      });
    }
  };
  walk(yaml, "");
  return unknown;
}

/** The known key nearest to `key` when it is near enough to be a typo, else undefined. */
export function closest(key: string, known: string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(key.length / 4))) return best.key;
  // A right name in the wrong section (`jobs.port`), or a section forgotten (`port`).
  const last = key.split(".").at(-1)!;
  return known.find((candidate) => candidate.split(".").at(-1) === last);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
