/**
 * Stands in for @supabase/realtime-js in the guest bundle. Jobs use `from()`, `rpc()` and `jobs.*`,
 * not live subscriptions; leaving realtime-js out makes the bundle ~40 KB smaller, which every run
 * would otherwise load. `jobs.waitFor()` still works: it falls back to polling when realtime throws.
 */
export class RealtimeClient {
  constructor() {
    throw new Error("realtime is not available inside jobs");
  }
}
