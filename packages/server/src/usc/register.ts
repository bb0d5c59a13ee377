/**
 * Making a data-root session processable: it becomes an acquisition in the
 * store with one micrograph per raw movie, written through the ordinary
 * `Store.ingest` (so change events, SSE and `ProcessingControl.onIngest`
 * behave exactly as for an agent's batches).
 *
 * - Session key: name `usc:<project>/<user>/<session>` (EPU names never hold
 *   "/", so it cannot clash with an agent's session) and an epuId derived from
 *   a hash of that name (EPU ids are decimal digits).
 * - The store needs the EPU hierarchy above a micrograph, so every data-root
 *   session gets one synthetic grid, grid square and foil hole, natural id "1".
 * - Micrograph natural id: the movie's file name, made unique and valid
 *   (see `micrographName`); `movieFile` is the movie's absolute path.
 */
import { createHash, randomUUID } from "node:crypto";
import { posix } from "node:path";
import { IngestBatch, type IngestItem, type SessionKey } from "@emflow/core";
import type { IngestOutcome, Store } from "../store/store.js";

/** Name prefix of acquisitions registered from the data root. */
export const DATA_ROOT_PREFIX = "usc:";
/** The synthetic grid, square and hole every data-root micrograph hangs under. */
export const SYNTHETIC_ID = "1";
/** Agent id recorded on the batches this module sends. */
export const REGISTRAR_AGENT = "emflow-usc";

const MICROGRAPHS_PER_BATCH = 4000;
const NAME_OK = /^[A-Za-z0-9_.-]{1,200}$/;

/** Where a data-root session lives. */
export interface DataRootRef {
  readonly project: string;
  readonly user: string;
  readonly session: string;
}

const hash = (s: string, n: number): string => createHash("sha256").update(s).digest("hex").slice(0, n);

/** The store's session key of a data-root session. */
export function dataRootSessionKey(ref: DataRootRef): SessionKey {
  const name = `${DATA_ROOT_PREFIX}${ref.project}/${ref.user}/${ref.session}`;
  // 52 bits of the name's hash as decimal (at most 16 digits): EPU ids must be digits.
  return { epuId: BigInt(`0x${hash(name, 13)}`).toString(10), name };
}

/** The data-root location an acquisition name was registered from, or undefined for agent sessions. */
export function parseDataRootName(name: string): DataRootRef | undefined {
  if (!name.startsWith(DATA_ROOT_PREFIX)) return undefined;
  const parts = name.slice(DATA_ROOT_PREFIX.length).split("/");
  if (parts.length !== 3) return undefined;
  const [project, user, session] = parts as [string, string, string];
  return { project, user, session };
}

/**
 * A movie's micrograph natural id: its file name when that is a valid EPU
 * base name, with `-<hash>` of its sub-directory appended when it is not
 * directly in raw/ (movies of different directories may share a name), and of
 * the original name when characters had to be replaced or it was too long.
 * Deterministic, so registering again updates the same rows.
 */
export function micrographName(relPath: string): string {
  const base = posix.basename(relPath);
  const dir = posix.dirname(relPath);
  const tags: string[] = [];
  let clean = base.replace(/[^A-Za-z0-9_.-]/g, "_");
  if (clean !== base) tags.push(hash(base, 6));
  if (dir !== ".") tags.push(hash(dir, 8));
  const suffix = tags.map((t) => `-${t}`).join("");
  if (clean.length + suffix.length > 200) clean = `${clean.slice(0, 200 - suffix.length - 7)}-${hash(relPath, 6)}`;
  const name = clean + suffix;
  if (!NAME_OK.test(name)) throw new Error(`bug: micrograph name ${name} is not valid`);
  return name;
}

/**
 * The ingest batches that register `movies` (relative to `<sessionDir>/raw`)
 * of a data-root session: the acquisition and its synthetic hierarchy first,
 * then at most 4000 micrographs per batch. Validated with core's IngestBatch.
 */
export function registrationBatches(ref: DataRootRef, sessionDir: string, movies: readonly string[]): IngestBatch[] {
  const session = dataRootSessionKey(ref);
  const id = SYNTHETIC_ID;
  const head: IngestItem[] = [
    { kind: "acquisition", data: { directory: sessionDir } },
    { kind: "grid", gridId: id, data: {} },
    { kind: "gridSquare", gridId: id, gridSquareId: id, data: {} },
    { kind: "foilHole", gridId: id, gridSquareId: id, foilHoleId: id, data: {} },
  ];
  const micrographs = movies.map(
    (m): IngestItem => ({
      kind: "micrograph",
      gridId: id,
      gridSquareId: id,
      foilHoleId: id,
      name: micrographName(m),
      data: { movieFile: posix.join(sessionDir, "raw", m) },
    }),
  );
  const batches: IngestBatch[] = [];
  for (let i = 0; i === 0 || i < micrographs.length; i += MICROGRAPHS_PER_BATCH) {
    const items = [...(i === 0 ? head : []), ...micrographs.slice(i, i + MICROGRAPHS_PER_BATCH)];
    batches.push(IngestBatch.parse({ batchId: randomUUID(), agentId: REGISTRAR_AGENT, session, items }));
  }
  return batches;
}

/** Apply registration batches in order; returns every outcome (the first one's acquisitionId is the session's). */
export async function registerMovies(store: Store, ref: DataRootRef, sessionDir: string, movies: readonly string[]): Promise<IngestOutcome[]> {
  const out: IngestOutcome[] = [];
  for (const batch of registrationBatches(ref, sessionDir, movies)) out.push(await store.ingest(batch));
  return out;
}
