/**
 * The NOTIFY channels the migrations write to and the server listens on, named once. NOTIFY only
 * wakes things up; every listener re-reads the database, which stays the source of truth.
 */

/** `jobs.notify_change()` (migrations 0003, 0008): one payload per row change, see changeNotification.ts. */
export const changesChannel = "fluxbase_changes";

/** The `ddl_command_end` event trigger (migrations 0004, 0006): any DDL, empty payload. */
export const schemaChannel = "fluxbase_schema";

/** `toggles.record_change()` (migration 0011): a toggle or override changed; the payload is its id. */
export const togglesChannel = "fluxbase_toggles";
