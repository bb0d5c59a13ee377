/** htm bound to preact's h: JSX-like templates without a build step. */
import htmModule from "htm";
import { h, type VNode } from "preact";

// htm's types are CommonJS-shaped (`export default` in a CJS .d.ts) while the browser loads its ES
// module, whose default export is htm itself; this cast states what runs.
const htm = htmModule as unknown as { bind(h: unknown): (strings: TemplateStringsArray, ...values: unknown[]) => VNode };

/** Tagged template producing preact vnodes. */
export const html = htm.bind(h);
