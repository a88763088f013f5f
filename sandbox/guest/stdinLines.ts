/**
 * Reads newline-delimited text from the guest's stdin. End of input means the host is gone (stdin
 * closes even when the host is killed with SIGKILL), which is how an orphaned run notices.
 */

export async function* stdinLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let pending = "";
  while (true) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) return;
    // Only the new text can hold a newline: a large init line must not be rescanned per chunk.
    let searchFrom = pending.length;
    pending += decoder.decode(buffer.subarray(0, n), { stream: true });
    let newline = pending.indexOf("\n", searchFrom);
    while (newline !== -1) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      searchFrom = 0;
      newline = pending.indexOf("\n");
    }
  }
}
