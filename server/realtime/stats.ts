/** Counters the realtime server keeps; stats() adds the live gauges. */

export interface RealtimeCounters {
  /** NOTIFYs (and resync rows) taken in. */
  changes: number;
  /** Row reads done as a subscriber identity (one per identity per change, however many subscribers). */
  rlsChecks: number;
  /** postgres_changes messages sent. */
  eventsSent: number;
  /** Changes dropped because too many were waiting (maxPendingChanges). */
  changesDropped: number;
  slowConsumersCut: number;
  deadPeersTerminated: number;
  upgradesRefused: number;
  badFrames: number;
  /** Times the LISTEN connection came back after a loss. */
  listenerReconnects: number;
  /** Changes replayed from the tables after a reconnect. */
  resyncedChanges: number;
}

export interface RealtimeStats extends RealtimeCounters {
  connections: number;
  channels: number;
  listening: boolean;
  pendingChanges: number;
}

export const newCounters = (): RealtimeCounters => ({
  changes: 0,
  rlsChecks: 0,
  eventsSent: 0,
  changesDropped: 0,
  slowConsumersCut: 0,
  deadPeersTerminated: 0,
  upgradesRefused: 0,
  badFrames: 0,
  listenerReconnects: 0,
  resyncedChanges: 0,
});
