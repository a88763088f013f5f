/** A route's request body cap: larger bodies are refused with 413 PAYLOAD_TOO_LARGE before they are read. */
import { bodyLimit } from "hono/body-limit";
import { HttpError } from "../errors.ts";

export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${maxSize} bytes`, {
        max_bytes: maxSize,
      });
    },
  });
}
