/** Preact with htm: components are written as tagged templates, so the page needs no JSX step. */
import htm from "htm";
import { h } from "preact";

export const html = htm.bind(h);
export { render } from "preact";
export { useCallback, useEffect, useRef, useState } from "preact/hooks";
