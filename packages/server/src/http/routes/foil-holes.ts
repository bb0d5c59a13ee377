/** Foil holes and their micrographs. */
import { FoilHole, Micrograph, Page } from "../../model/entities.js";
import type { App, RouteContext } from "../app-types.js";
import { ErrorResponse, HoleMicrographsQuery, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["foil holes"];

/** Register the foil-hole routes. */
export function foilHoleRoutes(app: App, { store }: RouteContext): void {
  app.get(
    "/api/v1/foil-holes/:id",
    { schema: { tags, summary: "One foil hole", params: IdParams, response: { 200: FoilHole, 404: ErrorResponse } } },
    async (request) => found(await store.getFoilHole(request.params.id), "foil hole", request.params.id),
  );

  app.get(
    "/api/v1/foil-holes/:id/micrographs",
    {
      schema: {
        tags,
        summary: "Micrographs of a foil hole",
        params: IdParams,
        querystring: HoleMicrographsQuery,
        response: { 200: Page(Micrograph), 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params;
      found(await store.getFoilHole(id), "foil hole", id);
      return store.listMicrographs({ ...request.query, foilHoleId: id });
    },
  );
}
