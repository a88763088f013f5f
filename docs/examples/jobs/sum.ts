/**
 * `main(payload, fluxbase, fluxbaseService, job)` takes the payload first. Any JSON value is a
 * valid result: here a bare number.
 * @fluxbase:description Adds up numbers
 */
export function main(payload: { numbers: number[] }) {
  return payload.numbers.reduce((sum, n) => sum + n, 0);
}
