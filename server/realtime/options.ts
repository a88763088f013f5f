/** The realtime server's tunables: one defaults object, resolved and validated once at creation. */
import { ConfigError } from "../errors.ts";

export interface RealtimeOptions {
  /** Path of the WebSocket endpoint. @default "/realtime/v1/websocket" */
  path?: string;
  /** How often each socket is pinged; a peer that missed the previous ping is terminated. @default 30000 */
  pingIntervalMs?: number;
  /** Largest frame a client may send, in bytes; larger frames close the socket with 1009. @default 65536 */
  maxPayload?: number;
  /**
   * Frames one message may be split into; more closes the socket with 1008 (policy violation). Without a cap, a client
   * sending endless one-byte continuation frames makes the server hold every frame. @default 128
   */
  maxFragments?: number;
  /** Sockets one user may have open; more are refused with 429 at the upgrade. @default 20 */
  maxSocketsPerUser?: number;
  /** Sockets one IP address may have open; more are refused with 429 at the upgrade. @default 200 */
  maxSocketsPerIp?: number;
  /** Joins per second for one user (one address for tokens without a user); more get an error reply. @default 20 */
  joinsPerSecond?: number;
  /** Channels one socket may have joined at once. @default 100 */
  maxChannelsPerSocket?: number;
  /** postgres_changes bindings one channel may hold. @default 100 */
  maxBindingsPerChannel?: number;
  /** A socket whose unsent bytes exceed this is a slow consumer and is cut off. @default 4194304 (4 MB) */
  maxBufferedBytes?: number;
  /** Messages of one socket waiting to be handled before it is closed for flooding. @default 1000 */
  maxPendingMessages?: number;
  /**
   * Changes whose rows may be read at once (each read takes one connection for all the identities
   * listening); the rest of the pool stays free for HTTP. @default 8
   */
  maxConcurrentChecks?: number;
  /** Changes read but not yet delivered; past this, new changes are dropped and counted. @default 10000 */
  maxPendingChanges?: number;
  /** How often the LISTEN connection is probed (a self-NOTIFY); a lost listener is re-established. @default 30000 */
  listenerCheckIntervalMs?: number;
  /** How long a join waits for the LISTEN connection before it is refused. @default 5000 */
  joinTimeoutMs?: number;
  /**
   * How long this server's watch on job changes lasts unrenewed; renewed every third of it while
   * channels are joined. A job's updates are announced only while some realtime server watches.
   * @default 60000
   */
  watchTtlMs?: number;
}

export type ResolvedRealtimeOptions = Required<RealtimeOptions>;

export const realtimeDefaults = {
  path: "/realtime/v1/websocket",
  pingIntervalMs: 30_000,
  maxPayload: 64 * 1024,
  maxFragments: 128,
  // The server passes FLUXBASE_REALTIME_MAX_SOCKETS_PER_USER, _PER_IP and _JOINS_PER_SECOND here.
  maxSocketsPerUser: 20,
  maxSocketsPerIp: 200,
  joinsPerSecond: 20,
  maxChannelsPerSocket: 100,
  maxBindingsPerChannel: 100,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPendingMessages: 1000,
  maxConcurrentChecks: 8,
  maxPendingChanges: 10_000,
  listenerCheckIntervalMs: 30_000,
  joinTimeoutMs: 5000,
  watchTtlMs: 60_000,
} satisfies ResolvedRealtimeOptions;

export function resolveRealtimeOptions(options: RealtimeOptions = {}): ResolvedRealtimeOptions {
  const resolved: ResolvedRealtimeOptions = { ...realtimeDefaults };
  for (const [key, value] of Object.entries(options) as [keyof RealtimeOptions, unknown][]) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  if (!resolved.path.startsWith("/")) {
    throw new ConfigError(`realtime path must start with "/"; got ${JSON.stringify(resolved.path)}`);
  }
  for (const [key, value] of Object.entries(resolved)) {
    if (key === "path") continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new ConfigError(
        `realtime option ${key} must be a positive integer; got ${JSON.stringify(value)}`,
      );
    }
  }
  return resolved;
}
