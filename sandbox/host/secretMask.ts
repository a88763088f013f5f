/**
 * Replaces secret values with *** in text the job produced. The host does this, not the guest: the
 * host is the trust boundary, and a job could undo any masking done inside its own process.
 */

/** Shorter values are not masked: hiding every "abc" would garble logs and protect nothing. */
const MIN_LENGTH = 4;

export interface SecretMasker {
  mask(text: string): string;
  /** Length in UTF-8 bytes of the longest masked form, so a line cut can leave room to mask across it. */
  longestBytes: number;
}

export function createSecretMasker(values: string[]): SecretMasker {
  const forms = new Set<string>();
  for (const value of values) {
    if (typeof value !== "string" || value.length < MIN_LENGTH) continue;
    forms.add(value);
    // The same value as it appears inside JSON.stringify output (quotes, backslashes, newlines).
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  if (forms.size === 0) return { mask: (text) => text, longestBytes: 0 };
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return {
    mask: (text) => text.replace(pattern, "***"),
    longestBytes: Math.max(...sorted.map((v) => Buffer.byteLength(v))),
  };
}
