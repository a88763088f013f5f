/**
 * A loopback HTTP proxy in front of a test server that holds every response for `delayMs` before
 * passing it on, keeping the connection busy meanwhile: a slow server as a browser sees it, its few
 * connections per origin included. WebSocket upgrades pass straight through.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";

export interface SlowProxy {
  url: string;
  close(): Promise<void>;
}

export async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const upstream = new URL(target);
  const port = Number(upstream.port);
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) =>
        setTimeout(() => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        }, delayMs),
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req, socket, head) => {
    const tunnel = net.connect(port, upstream.hostname, () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      tunnel.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`);
      tunnel.write(head);
      socket.pipe(tunnel).pipe(socket);
    });
    const close = () => {
      tunnel.destroy();
      socket.destroy();
    };
    tunnel.on("error", close);
    socket.on("error", close);
    sockets.add(tunnel);
    tunnel.on("close", () => sockets.delete(tunnel));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${own}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
