/** The read API on real EPU sessions: every endpoint, filters, paging, 404s and 400s. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestResult } from "@emflow/core";
import { Acquisition, AcquisitionSummary, AtlasWithTiles, FoilHole, Grid, GridSquare, Micrograph, Page } from "../model/entities.js";
import { epuDirExampleBatch, epumocks, epumocksBatch, exampleMicrograph, uniqueSession } from "../testing/fixtures.js";
import { AUTH, testServer, type TestServer } from "../testing/test-server.js";
import { SERVER_VERSION } from "../server.js";

describe("read API", () => {
  let t: TestServer;
  const m = epumocks();
  const mocksSession = uniqueSession("Mocks");
  let mocks: IngestResult;
  let example: IngestResult;
  const get = async (url: string) => {
    const res = await t.server.app.inject(url);
    return { status: res.statusCode, body: res.json() };
  };
  const ok = async (url: string) => {
    const res = await get(url);
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    t = await testServer();
    const post = async (payload: object) =>
      IngestResult.parse((await t.server.app.inject({ method: "POST", url: "/api/v1/ingest", headers: AUTH, payload })).json());
    mocks = await post(epumocksBatch(mocksSession));
    example = await post(epuDirExampleBatch(uniqueSession("Example")));
  });
  afterAll(() => t.close());

  /** Walk a list endpoint page by page. */
  async function walk(url: string): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let pages = 0;
    let next: string | null = null;
    do {
      const sep = url.includes("?") ? "&" : "?";
      const page = Page(GridSquare.or(FoilHole).or(Micrograph).or(Acquisition)).parse(await ok(next === null ? url : `${url}${sep}cursor=${next}`));
      ids.push(...page.items.map((i) => i.id));
      next = page.nextCursor;
      pages++;
    } while (next !== null);
    return { ids, pages };
  }

  it("serves health with the store kind", async () => {
    const health = await ok("/api/v1/health");
    expect(health).toMatchObject({ status: "ok", store: "pglite", version: SERVER_VERSION });
    expect(health.uptimeS).toBeGreaterThanOrEqual(0);
  });

  it("lists and gets acquisitions, filtered by name", async () => {
    const list = Page(Acquisition).parse(await ok(`/api/v1/acquisitions?name=${mocksSession.name.toLowerCase()}`));
    expect(list.total).toBe(1);
    expect(list.items[0]).toMatchObject({ id: mocks.acquisitionId, epuId: mocksSession.epuId, ...m.session.acquisition });
    expect(Acquisition.parse(await ok(`/api/v1/acquisitions/${mocks.acquisitionId}`))).toEqual(list.items[0]);
    const all = await walk("/api/v1/acquisitions?limit=1");
    expect(all.ids).toEqual(expect.arrayContaining([mocks.acquisitionId, example.acquisitionId]));
    expect(new Set(all.ids).size).toBe(all.ids.length);
  });

  it("summarises an acquisition", async () => {
    const summary = AcquisitionSummary.parse(await ok(`/api/v1/acquisitions/${example.acquisitionId}/summary`));
    expect(summary).toMatchObject({ grids: 1, atlasTiles: 0, gridSquares: 228, foilHoles: 4, micrographs: 4 });
    expect(Date.parse(summary.lastUpdateAt!)).not.toBeNaN();
  });

  it("walks acquisition → grid → atlas → squares → holes → micrographs", async () => {
    const grids = Page(Grid).parse(await ok(`/api/v1/acquisitions/${mocks.acquisitionId}/grids`));
    const grid = grids.items[0]!;
    expect(grid).toMatchObject({ naturalId: m.gridId, acquisitionId: mocks.acquisitionId, gridType: "HoleyCarbon" });
    expect(Grid.parse(await ok(`/api/v1/grids/${grid.id}`))).toEqual(grid);

    const atlas = AtlasWithTiles.parse(await ok(`/api/v1/grids/${grid.id}/atlas`));
    expect(atlas).toMatchObject({ atlasId: "3436163", gridId: grid.id, description: "Atlas for autoloader slot 4" });
    expect(atlas.tiles.map((x) => x.naturalId)).toEqual(m.atlas.tiles.map((x) => x.tileId));

    const squares = Page(GridSquare).parse(await ok(`/api/v1/grids/${grid.id}/grid-squares?naturalId=${m.gridSquareId}`));
    const square = squares.items[0]!;
    expect(square).toMatchObject({ naturalId: m.gridSquareId, state: "InProgress", holeCount: 570, stageXUm: m.square.square.stageXUm });
    expect(GridSquare.parse(await ok(`/api/v1/grid-squares/${square.id}`))).toEqual(square);

    const parsedHole = m.square.foilHoles[17]!;
    const holes = Page(FoilHole).parse(await ok(`/api/v1/grid-squares/${square.id}/foil-holes?naturalId=${parsedHole.foilHoleId}`));
    const hole = FoilHole.parse(await ok(`/api/v1/foil-holes/${holes.items[0]!.id}`));
    expect(hole.stageXUm).toBe(parsedHole.data.stageXUm);
    expect(hole).toMatchObject({ ...parsedHole.data, gridSquareId: square.id, gridId: grid.id });
  });

  it("filters grid squares and foil holes, and pages through all of them", async () => {
    const [grid] = Page(Grid).parse(await ok(`/api/v1/acquisitions/${mocks.acquisitionId}/grids`)).items;
    const squaresUrl = `/api/v1/grids/${grid!.id}/grid-squares`;
    const inProgress = Page(GridSquare).parse(await ok(`${squaresUrl}?state=InProgress&selected=true`));
    expect(inProgress.items.map((s) => s.naturalId)).toEqual([m.gridSquareId]);
    const walked = await walk(`${squaresUrl}?limit=100`);
    expect(walked.pages).toBe(3);
    expect(new Set(walked.ids).size).toBe((await ok(squaresUrl)).total);

    const square = inProgress.items[0]!;
    const holesUrl = `/api/v1/grid-squares/${square.id}/foil-holes`;
    const nearBar = m.square.foilHoles.filter((h) => h.data.nearGridBar).length;
    expect((await ok(`${holesUrl}?nearGridBar=true&limit=1`)).total).toBe(nearBar);
    expect((await ok(`${holesUrl}?nearGridBar=false&limit=1`)).total).toBe(570 - nearBar);
    const completed = m.square.foilHoles.filter((h) => h.data.state === "Completed").length;
    expect((await ok(`${holesUrl}?state=Completed`)).total).toBe(completed);
    const all = await walk(`${holesUrl}?limit=1000`);
    expect(all).toMatchObject({ pages: 1 });
    expect(new Set(all.ids).size).toBe(570);
  });

  it("lists micrographs by any ancestor, name and time, with parsed values", async () => {
    const parsed = exampleMicrograph(0);
    const byName = Page(Micrograph).parse(await ok(`/api/v1/micrographs?acquisitionId=${example.acquisitionId}&naturalId=${parsed.name}`));
    const mic = byName.items[0]!;
    expect(mic).toMatchObject({ ...parsed.micrograph, naturalId: parsed.name, acquisitionId: example.acquisitionId });
    expect(Micrograph.parse(await ok(`/api/v1/micrographs/${mic.id}`))).toEqual(mic);

    const ofHole = Page(Micrograph).parse(await ok(`/api/v1/foil-holes/${mic.foilHoleId}/micrographs`));
    expect(ofHole.items.map((x) => x.naturalId).sort()).toEqual([exampleMicrograph(0).name, exampleMicrograph(1).name]);
    expect((await ok(`/api/v1/micrographs?gridSquareId=${mic.gridSquareId}`)).total).toBe(2);
    expect((await ok(`/api/v1/micrographs?gridId=${mic.gridId}`)).total).toBe(4);
    // Two exposures on 2025-01-08, two on 2025-01-09.
    const day1 = `acquiredFrom=2025-01-08T00:00:00Z&acquiredTo=2025-01-09T00:00:00Z`;
    expect((await ok(`/api/v1/micrographs?acquisitionId=${example.acquisitionId}&${day1}`)).total).toBe(2);
    expect((await ok(`/api/v1/foil-holes/${mic.foilHoleId}/micrographs?acquiredFrom=2025-01-09T00:00:00Z`)).total).toBe(0);
    const paged = await walk(`/api/v1/micrographs?acquisitionId=${example.acquisitionId}&limit=3`);
    expect(paged.pages).toBe(2);
    expect(new Set(paged.ids).size).toBe(4);
  });

  it("answers 404 with a message for unknown and malformed ids", async () => {
    const [grid] = Page(Grid).parse(await ok(`/api/v1/acquisitions/${example.acquisitionId}/grids`)).items;
    const noAtlas = await get(`/api/v1/grids/${grid!.id}/atlas`);
    expect(noAtlas).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(noAtlas.body.error.message).toContain("atlas of grid");
    const routes = [
      "acquisitions/:id",
      "acquisitions/:id/summary",
      "acquisitions/:id/grids",
      "grids/:id",
      "grids/:id/atlas",
      "grids/:id/grid-squares",
      "grid-squares/:id",
      "grid-squares/:id/foil-holes",
      "foil-holes/:id",
      "foil-holes/:id/micrographs",
      "micrographs/:id",
    ];
    for (const route of routes) {
      for (const id of [randomUUID(), "42", "not-a-uuid", "00000000-0000-0000-0000-00000000000g"]) {
        const res = await get(`/api/v1/${route.replace(":id", id)}`);
        expect(res.status, `${route} ${id}`).toBe(404);
        expect(res.body.error.message).toContain(`${id} not found`);
      }
    }
  });

  it("answers 400 with a message for bad query strings", async () => {
    const [grid] = Page(Grid).parse(await ok(`/api/v1/acquisitions/${mocks.acquisitionId}/grids`)).items;
    const cases: Array<[string, string]> = [
      ["/api/v1/acquisitions?limit=0", "limit"],
      ["/api/v1/acquisitions?limit=1001", "limit"],
      ["/api/v1/acquisitions?limit=ten", "limit"],
      ["/api/v1/acquisitions?cursor=bm90LWEtY3Vyc29y", "cursor"],
      ["/api/v1/acquisitions?colour=red", "colour"],
      [`/api/v1/grids/${grid!.id}/grid-squares?state=Sleeping`, "state"],
      [`/api/v1/grids/${grid!.id}/grid-squares?selected=maybe`, "selected"],
      [`/api/v1/grids/${grid!.id}/grid-squares?naturalId=abc`, "naturalId"],
      ["/api/v1/micrographs?gridId=123", "gridId: must be a UUID"],
      ["/api/v1/micrographs?acquiredFrom=yesterday", "acquiredFrom: must be an ISO 8601 time"],
    ];
    for (const [url, message] of cases) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.message, url).toContain(message);
    }
  });
});
