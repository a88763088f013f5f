/** Shared code: not a function itself (names starting with `_` are skipped); bundled into its importers. */
export function summarise(values: number[]) {
  const total = values.reduce((sum, value) => sum + value, 0);
  return { count: values.length, total, mean: values.length ? total / values.length : null };
}
