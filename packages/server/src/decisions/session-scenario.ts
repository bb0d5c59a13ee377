/**
 * A stored, processed session as a simulator scenario, so the replay engine
 * scores policies on a real grid with outcomes from its own results. Ids are
 * EPU's (readable in the file) unless two grids of the session share one.
 */
import { scenarioFromSession, type Scenario } from "@emflow/decisions";
import { HttpError } from "../http/http-error.js";
import type { SqlQueryable } from "../store/sql-client.js";
import { readGridSnapshot } from "./grid-snapshot.js";

/** The scenario of acquisition `acquisitionId` (409 when it has no grid square with foil holes yet). */
export async function sessionScenario(db: SqlQueryable, acquisitionId: string): Promise<Scenario> {
  const snap = await readGridSnapshot(db, acquisitionId);
  if (snap.holes.length === 0) throw new HttpError(409, `acquisition ${acquisitionId} has no foil holes yet: nothing to simulate`);
  const [acq] = await db.query<{ name: string }>("SELECT name FROM acquisitions WHERE id = $1", [acquisitionId]);
  const unique = (ids: string[]) => new Set(ids).size === ids.length;
  const natural = unique(snap.squares.map((s) => s.naturalId)) && unique(snap.holes.map((h) => h.naturalId));
  const squareId = new Map(snap.squares.map((s) => [s.id, natural ? s.naturalId : s.id]));
  const holeId = new Map(snap.holes.map((h) => [h.id, natural ? h.naturalId : h.id]));
  return scenarioFromSession({
    name: acq?.name ?? acquisitionId,
    squares: snap.squares.map((s) => ({ id: squareId.get(s.id)!, fields: s })),
    holes: snap.holes.map((h) => ({ id: holeId.get(h.id)!, squareId: squareId.get(h.gridSquareId)!, fields: h })),
    micrographs: snap.observations.filter((o) => holeId.has(o.foilHoleId)).map((o) => ({ foilHoleId: holeId.get(o.foilHoleId)!, metrics: o.metrics })),
  });
}
