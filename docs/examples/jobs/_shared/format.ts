/** Shared code reached with a relative import. */
export const formatNumber = (value: number | null) => (value === null ? "-" : value.toFixed(2));
