/**
 * Which runs a pool stops after reading their jobs' rows: the row is read for the lease the run was
 * claimed with, and the run may have ended, or a later attempt of the job may have started, by the
 * time the answer comes.
 */
import { describe, expect, it } from "vitest";
import type { ClaimedJob } from "../../server/queue/claimJobs.ts";
import type { RunState } from "../../server/queue/runStates.ts";
import type { ActiveRun } from "../../server/worker/startRun.ts";
import { stopReasonFor } from "../../server/worker/stopReason.ts";

const id = "00000000-0000-4000-8000-000000000001";
const first = { id, lease_token: "11111111-1111-4111-8111-111111111111" };
const second = { id, lease_token: "22222222-2222-4222-8222-222222222222" };

function runOf(lease: typeof first, executed = false): ActiveRun {
  return {
    job: { ...lease } as ClaimedJob,
    stop: () => {},
    executed: Promise.resolve(),
    hasExecuted: () => executed,
    done: Promise.resolve(),
  };
}
const row = (over: Partial<RunState>): RunState => ({
  id,
  status: "running",
  cancel_mode: null,
  lease_token: first.lease_token,
  ...over,
});

describe("stopReasonFor", () => {
  it("leaves a run whose row still holds its lease", () => {
    expect(stopReasonFor(runOf(first), first, row({}), false)).toBeUndefined();
  });

  it("stops a run as cancelled or terminated, as its row says", () => {
    expect(
      stopReasonFor(runOf(first), first, row({ status: "cancelled", cancel_mode: "graceful" }), false),
    ).toBe("cancel");
    expect(
      stopReasonFor(runOf(first), first, row({ status: "cancelled", cancel_mode: "terminate" }), false),
    ).toBe("terminate");
  });

  it("stops a run whose lease is gone: another token, no row, another status, or not renewed", () => {
    expect(stopReasonFor(runOf(first), first, row({ lease_token: second.lease_token }), false)).toBe(
      "lease_lost",
    );
    expect(stopReasonFor(runOf(first), first, undefined, false)).toBe("lease_lost");
    expect(stopReasonFor(runOf(first), first, row({ status: "pending", lease_token: null }), false)).toBe(
      "lease_lost",
    );
    expect(stopReasonFor(runOf(first), first, row({}), true)).toBe("lease_lost");
  });

  it("leaves a run whose code has ended: its own outcome write changed the row", () => {
    expect(
      stopReasonFor(runOf(first, true), first, row({ status: "completed", lease_token: null }), false),
    ).toBe(undefined);
  });

  it("leaves a run that ended after its lease was read (nothing to stop, nothing lost)", () => {
    expect(
      stopReasonFor(undefined, first, row({ status: "pending", lease_token: null }), false),
    ).toBeUndefined();
  });

  it("never stops a later attempt of the same job for the earlier attempt's lease", () => {
    // The first attempt failed and the job was claimed again, by this pool, while its row was read.
    expect(
      stopReasonFor(runOf(second), first, row({ lease_token: second.lease_token }), false),
    ).toBeUndefined();
    expect(
      stopReasonFor(runOf(second), first, row({ lease_token: second.lease_token }), true),
    ).toBeUndefined();
  });
});
