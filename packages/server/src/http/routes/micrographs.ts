/** Micrographs across the hierarchy, filtered by any ancestor, name or time. */
import { Micrograph, Page } from "../../model/entities.js";
import type { App, RouteContext } from "../app-types.js";
import { ErrorResponse, IdParams, MicrographsQuery } from "../schemas.js";
import { found } from "./found.js";

const tags = ["micrographs"];

/** Register the micrograph routes. */
export function micrographRoutes(app: App, { store }: RouteContext): void {
  app.get(
    "/api/v1/micrographs",
    {
      schema: {
        tags,
        summary: "List micrographs",
        description: "Filter by acquisitionId, gridId, gridSquareId, foilHoleId, naturalId (file base name) and acquired time range.",
        querystring: MicrographsQuery,
        response: { 200: Page(Micrograph), 400: ErrorResponse },
      },
    },
    async (request) => store.listMicrographs(request.query),
  );

  app.get(
    "/api/v1/micrographs/:id",
    { schema: { tags, summary: "One micrograph", params: IdParams, response: { 200: Micrograph, 404: ErrorResponse } } },
    async (request) => found(await store.getMicrograph(request.params.id), "micrograph", request.params.id),
  );
}
