#!/usr/bin/env node
// Entry point of the `fluxbase` command: the sources are TypeScript, so tsx compiles them on load.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
