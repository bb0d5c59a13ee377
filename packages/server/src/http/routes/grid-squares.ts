/** Grid squares and their foil holes. */
import { FoilHole, GridSquare, Page } from "../../model/entities.js";
import type { App, RouteContext } from "../app-types.js";
import { ErrorResponse, FoilHolesQuery, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["grid squares"];

/** Register the grid-square routes. */
export function gridSquareRoutes(app: App, { store }: RouteContext): void {
  app.get(
    "/api/v1/grid-squares/:id",
    { schema: { tags, summary: "One grid square", params: IdParams, response: { 200: GridSquare, 404: ErrorResponse } } },
    async (request) => found(await store.getGridSquare(request.params.id), "grid square", request.params.id),
  );

  app.get(
    "/api/v1/grid-squares/:id/foil-holes",
    {
      schema: {
        tags,
        summary: "Foil holes of a grid square",
        params: IdParams,
        querystring: FoilHolesQuery,
        response: { 200: Page(FoilHole), 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params;
      found(await store.getGridSquare(id), "grid square", id);
      return store.listFoilHoles({ ...request.query, gridSquareId: id });
    },
  );
}
