/**
 * The Phoenix channel wire format Supabase Realtime speaks. vsn 1.0.0 frames are JSON objects
 * `{topic, event, payload, ref, join_ref?}`; vsn 2.0.0 frames are JSON arrays
 * `[join_ref, ref, topic, event, payload]`. Replies are `phx_reply` with `{status, response}`.
 */

import { JsonTooDeepError, parseJson } from "../parseJson.ts";

export type Vsn = "1.0.0" | "2.0.0";

export const supportedVsns: readonly Vsn[] = ["1.0.0", "2.0.0"];

export interface PhoenixMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export type DecodeResult =
  | { ok: true; message: PhoenixMessage }
  /** `topic`/`ref` are set when the frame was readable enough to be answered. */
  | { ok: false; reason: string; topic?: string; ref?: string | null; joinRef?: string | null };

export function parseVsn(value: string | null): Vsn | null {
  if (value === null || value === "") return "1.0.0";
  return (supportedVsns as readonly string[]).includes(value) ? (value as Vsn) : null;
}

const refOf = (value: unknown): string | null | undefined =>
  value === null || value === undefined ? null : typeof value === "string" ? value : undefined;

export function decodeFrame(text: string, vsn: Vsn): DecodeResult {
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (error) {
    return { ok: false, reason: error instanceof JsonTooDeepError ? error.message : "malformed JSON" };
  }
  let fields: { joinRef: unknown; ref: unknown; topic: unknown; event: unknown; payload: unknown };
  if (vsn === "2.0.0") {
    if (!Array.isArray(parsed) || parsed.length !== 5) {
      return { ok: false, reason: "expected a [join_ref, ref, topic, event, payload] array" };
    }
    const [joinRef, ref, topic, event, payload] = parsed;
    fields = { joinRef, ref, topic, event, payload };
  } else {
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return { ok: false, reason: "expected a {topic, event, payload, ref} object" };
    }
    const o = parsed as Record<string, unknown>;
    fields = { joinRef: o.join_ref, ref: o.ref, topic: o.topic, event: o.event, payload: o.payload };
  }
  const ref = refOf(fields.ref);
  const joinRef = refOf(fields.joinRef);
  const topic = typeof fields.topic === "string" ? fields.topic : undefined;
  if (ref === undefined || joinRef === undefined || topic === undefined || typeof fields.event !== "string") {
    return {
      ok: false,
      reason: "topic and event must be strings, ref and join_ref strings or null",
      topic,
      ref: ref ?? null,
      joinRef: joinRef ?? null,
    };
  }
  return { ok: true, message: { joinRef, ref, topic, event: fields.event, payload: fields.payload ?? {} } };
}

/** Encodes a message whose payload is already JSON text (so one payload can be shared by many sockets). */
export function encodeRaw(
  vsn: Vsn,
  joinRef: string | null,
  ref: string | null,
  topic: string,
  event: string,
  payloadJson: string,
): string {
  const t = JSON.stringify(topic);
  const e = JSON.stringify(event);
  const r = JSON.stringify(ref);
  if (vsn === "2.0.0") return `[${JSON.stringify(joinRef)},${r},${t},${e},${payloadJson}]`;
  return `{"topic":${t},"event":${e},"payload":${payloadJson},"ref":${r}}`;
}

export function encodeMessage(vsn: Vsn, message: PhoenixMessage): string {
  const { joinRef, ref, topic, event, payload } = message;
  return encodeRaw(vsn, joinRef, ref, topic, event, JSON.stringify(payload ?? {}));
}

export function encodeReply(
  vsn: Vsn,
  to: { joinRef: string | null; ref: string | null; topic: string },
  status: "ok" | "error",
  response: Record<string, unknown> = {},
): string {
  return encodeMessage(vsn, { ...to, event: "phx_reply", payload: { status, response } });
}
