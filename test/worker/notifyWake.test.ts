/**
 * The change notification is one contract: the payload the trigger writes is read by the one parser
 * that realtime and the worker pool share, and a submit wakes an idle worker through it. The poll is
 * set to an hour, so only the notification can start the job in time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNotification } from "../../server/db/changeNotification.ts";
import { changesChannel } from "../../server/db/notifyChannels.ts";
import {
  insertFunction,
  startTestServer,
  type TestServer,
  type TestUser,
  waitForJob,
} from "../support/server.ts";

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ workers: true, jobs: { pollInterval: 3_600_000 } });
  user = await server.user();
  await insertFunction(server, { name: "quick", code: "export default async () => 'done';" });
});
afterAll(() => server.stop());

const submit = async () => {
  const res = await server.request("POST", "/api/v1/jobs/submit", {
    token: user.token,
    body: { job_name: "quick" },
  });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
};

describe("the change notification", () => {
  it("carries a payload the shared parser reads as a pending queue row", async () => {
    const seen: string[] = [];
    const listener = await server.db.sql.listen(changesChannel, (raw) => seen.push(raw));
    try {
      const id = await submit();
      const deadline = Date.now() + 10_000;
      const insert = () =>
        seen.map(parseNotification).find((change) => change?.id === id && change.type === "INSERT");
      while (!insert() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(insert()).toMatchObject({
        schema: "jobs",
        table: "queue",
        type: "INSERT",
        id,
        status: "pending",
        createdBy: user.id,
        jobName: "quick",
      });
      await waitForJob(server, id);
    } finally {
      await listener.unlisten();
    }
  });

  it("wakes an idle worker on submit (the poll is an hour away)", async () => {
    const id = await submit();
    const job = await waitForJob(server, id, undefined, 15_000);
    expect(job.status).toBe("completed");
  });
});
