/**
 * The signed-in client. The token is kept in sessionStorage: it survives a reload and ends with the
 * browser tab. `useLive(load)` runs `load` now, on every change of jobs.queue that realtime reports
 * (at most twice a second), and every 10 s as a fallback, one load at a time: a load asked for while
 * one is out runs once when it ends, so a slow server is not sent a pile of reads that an action would
 * then queue behind in the browser's few connections. `load` gets `isCurrent()`: false once the page's
 * deps changed (another filter, another job), so a slow answer to an old filter never replaces a newer one.
 */
import { createClient } from "../../../sdk/src/index.ts";
import { problem } from "./format.js";
import { useEffect, useRef, useState } from "./html.js";

const KEY = "fluxbase.admin.token";
let client = null;
const listeners = new Set();
let channel = null;

export function signedIn() {
  if (client) return client;
  const token = sessionStorage.getItem(KEY);
  if (token) client = createClient(location.origin, token);
  return client;
}

/** Checks the token against the admin API before keeping it; answers an error or null. */
export async function signIn(token) {
  const candidate = createClient(location.origin, token.trim());
  const { error } = await candidate.admin.jobs.getStats();
  if (error) return error;
  sessionStorage.setItem(KEY, token.trim());
  client = candidate;
  return null;
}

/** GET of an API route the SDK has no method for, as the signed-in admin: `{ data, error }`. */
export async function getJson(route) {
  const token = sessionStorage.getItem(KEY);
  const response = await fetch(route, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => null);
  if (response.ok) return { data: body, error: null };
  return {
    data: null,
    error: { status: response.status, code: body?.code, message: body?.error ?? response.statusText },
  };
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  void channel?.unsubscribe();
  channel = null;
  client = null;
}

function followChanges() {
  if (channel || !client) return;
  channel = client.realtime.channel("table:jobs.queue").on("*", () => {
    for (const listener of listeners) listener();
  });
  channel.subscribe();
}

/** A live list: `load` answers `{ data: rows, error }`; the page gets `{ rows, message }`. */
export function useRows(load) {
  const [state, setState] = useState({ rows: [], message: "" });
  useLive(async () => {
    const { data, error } = await load();
    setState(error ? { rows: [], message: problem(error) } : { rows: data, message: "" });
  });
  return state;
}

export function useLive(load, deps = []) {
  const [tick, setTick] = useState(0);
  const pending = useRef(0);
  const latest = useRef(load);
  latest.current = load;
  const reading = useRef({ busy: false, again: false, ended: false });
  const about = useRef(0);
  useEffect(() => {
    followChanges();
    const changed = () => {
      if (pending.current) return;
      pending.current = window.setTimeout(() => {
        pending.current = 0;
        setTick((t) => t + 1);
      }, 500);
    };
    listeners.add(changed);
    const timer = window.setInterval(() => setTick((t) => t + 1), 10_000);
    return () => {
      listeners.delete(changed);
      window.clearInterval(timer);
      window.clearTimeout(pending.current);
      pending.current = 0;
      reading.current.ended = true;
    };
  }, []);
  useEffect(() => {
    about.current += 1;
  }, deps);
  useEffect(() => {
    const read = reading.current;
    const start = () => {
      if (read.busy) {
        read.again = true;
        return;
      }
      read.busy = true;
      const asked = about.current;
      void latest
        .current(() => asked === about.current && !read.ended)
        .finally(() => {
          read.busy = false;
          if (read.again && !read.ended) {
            read.again = false;
            start();
          }
        });
    };
    start();
  }, [tick, ...deps]);
  return () => setTick((t) => t + 1);
}
