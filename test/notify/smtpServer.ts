/** A real SMTP server in the test process (smtp-server + mailparser-free parsing of what it receives). */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface TestSmtp {
  url: string;
  mails: ReceivedMail[];
  /** Makes the next `count` messages fail with a 451 (temporary) answer. */
  failNext(count: number): void;
  rejected: number;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  let failures = 0;
  const state = { rejected: 0 };
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _session, callback) {
      if (auth.username === "fluxbase" && auth.password === "mail-pass")
        callback(null, { user: auth.username });
      else callback(new Error("bad credentials"));
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => {
        raw += chunk.toString("utf8");
      });
      stream.on("end", () => {
        if (failures > 0) {
          failures--;
          state.rejected++;
          const error = Object.assign(new Error("mailbox busy, try later"), { responseCode: 451 });
          return callback(error);
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://fluxbase:mail-pass@127.0.0.1:${port}`,
    mails,
    failNext(count) {
      failures = count;
    },
    get rejected() {
      return state.rejected;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded text of one MIME part of a raw message (quoted-printable or plain). */
export function mimePart(raw: string, contentType: string): string {
  const start = raw.indexOf(`Content-Type: ${contentType}`);
  if (start < 0) return "";
  const body = raw.slice(raw.indexOf("\r\n\r\n", start) + 4);
  const end = body.search(/\r\n--[^\r\n]+/);
  const part = end < 0 ? body : body.slice(0, end);
  const bytes = part
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}
