/**
 * A TCP proxy in front of Postgres that counts round trips: how often a client speaks after the server
 * did. Used by the REST round-trip test and bench/rest.ts.
 */
import net from "node:net";

export function countingProxy(
  target: number,
): Promise<{ port: number; turns: () => number; close: () => void }> {
  let turns = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    let serverSpokeLast = true;
    client.on("data", (chunk) => {
      if (serverSpokeLast) turns++;
      serverSpokeLast = false;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      serverSpokeLast = true;
      client.write(chunk);
    });
    for (const socket of [client, upstream]) socket.setNoDelay(true).on("error", () => {});
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        turns: () => turns,
        close: () => server.close(),
      }),
    ),
  );
}
