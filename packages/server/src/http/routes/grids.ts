/** Grids, their atlas and their grid squares. */
import { AtlasWithTiles, Grid, GridSquare, Page } from "../../model/entities.js";
import type { App, RouteContext } from "../app-types.js";
import { ErrorResponse, GridSquaresQuery, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["grids"];

/** Register the grid routes. */
export function gridRoutes(app: App, { store }: RouteContext): void {
  app.get(
    "/api/v1/grids/:id",
    { schema: { tags, summary: "One grid", params: IdParams, response: { 200: Grid, 404: ErrorResponse } } },
    async (request) => found(await store.getGrid(request.params.id), "grid", request.params.id),
  );

  app.get(
    "/api/v1/grids/:id/atlas",
    { schema: { tags, summary: "A grid's atlas with its tiles", params: IdParams, response: { 200: AtlasWithTiles, 404: ErrorResponse } } },
    async (request) => {
      const { id } = request.params;
      found(await store.getGrid(id), "grid", id);
      return found(await store.getAtlas(id), "atlas of grid", id);
    },
  );

  app.get(
    "/api/v1/grids/:id/grid-squares",
    {
      schema: {
        tags,
        summary: "Grid squares of a grid",
        params: IdParams,
        querystring: GridSquaresQuery,
        response: { 200: Page(GridSquare), 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params;
      found(await store.getGrid(id), "grid", id);
      return store.listGridSquares({ ...request.query, gridId: id });
    },
  );
}
