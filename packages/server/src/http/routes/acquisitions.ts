/** Acquisitions (EPU sessions), their summary and their grids. */
import { Acquisition, AcquisitionSummary, Grid, Page } from "../../model/entities.js";
import type { App, RouteContext } from "../app-types.js";
import { AcquisitionsQuery, ErrorResponse, GridsQuery, IdParams } from "../schemas.js";
import { found } from "./found.js";

const tags = ["acquisitions"];

/** Register the acquisition routes. */
export function acquisitionRoutes(app: App, { store }: RouteContext): void {
  app.get(
    "/api/v1/acquisitions",
    { schema: { tags, summary: "List acquisitions", querystring: AcquisitionsQuery, response: { 200: Page(Acquisition), 400: ErrorResponse } } },
    async (request) => store.listAcquisitions(request.query),
  );

  app.get(
    "/api/v1/acquisitions/:id",
    { schema: { tags, summary: "One acquisition", params: IdParams, response: { 200: Acquisition, 404: ErrorResponse } } },
    async (request) => found(await store.getAcquisition(request.params.id), "acquisition", request.params.id),
  );

  app.get(
    "/api/v1/acquisitions/:id/summary",
    { schema: { tags, summary: "Entity counts of an acquisition", params: IdParams, response: { 200: AcquisitionSummary, 404: ErrorResponse } } },
    async (request) => found(await store.summary(request.params.id), "acquisition", request.params.id),
  );

  app.get(
    "/api/v1/acquisitions/:id/grids",
    {
      schema: { tags, summary: "Grids of an acquisition", params: IdParams, querystring: GridsQuery, response: { 200: Page(Grid), 404: ErrorResponse } },
    },
    async (request) => {
      const { id } = request.params;
      found(await store.getAcquisition(id), "acquisition", id);
      return store.listGrids({ ...request.query, acquisitionId: id });
    },
  );
}
