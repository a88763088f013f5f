/**
 * `notify: true` at submit: refused up front when the mail could never be sent, rather than
 * accepted and silently dropped. Shared by every submit path (HTTP, trusted handlers' enqueue).
 */
import type { NotifyConfig } from "../config/types.ts";
import { badRequest } from "../errors.ts";

export function assertCanNotify(
  config: Pick<NotifyConfig, "smtpUrl">,
  email: string | null | undefined,
): void {
  if (!config.smtpUrl)
    throw badRequest(
      "NOTIFY_UNAVAILABLE",
      "notify: true needs mail, and this server has none: set FLUXBASE_SMTP_URL to send job notifications",
    );
  if (!email)
    throw badRequest(
      "NOTIFY_NO_EMAIL",
      "notify: true mails the submitter, and this token has no email claim (nor does on_behalf_of carry user_email)",
    );
}
