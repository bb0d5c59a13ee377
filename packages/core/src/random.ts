/** Seeding for the project's small deterministic PRNGs (synthetic sessions, the decision simulator). */

/** splitmix32: a stream of well-mixed 32-bit words from one seed, to fill a larger PRNG's state. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}
