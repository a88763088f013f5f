/** The SMTP side: one nodemailer transport for FLUXBASE_SMTP_URL, closed with the server. */
import nodemailer from "nodemailer";
import type { RenderedMail } from "./renderJobMail.ts";

export interface Mailer {
  send(to: string[], mail: RenderedMail): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  // Pooled, so a burst of job ends shares a few SMTP connections instead of one each.
  const transport = nodemailer.createTransport(`${smtpUrl}${smtpUrl.includes("?") ? "&" : "?"}pool=true`);
  return {
    async send(to, mail) {
      await transport.sendMail({ from, to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close: () => transport.close(),
  };
}
