/**
 * GET /api/v1/events: change events as server-sent events. `Last-Event-ID`
 * (or `?since=`) replays from the change_events table, then the stream goes
 * live from the in-process hub.
 */
import { ChangeEvent } from "../../model/entities.js";
import { ValidationError } from "../../errors.js";
import type { App, RouteContext } from "../app-types.js";
import { EventsQuery } from "../schemas.js";
import { SseStream } from "../sse-stream.js";

const REPLAY_PAGE = 1000;

/** Register the SSE route; returns a function that ends every open stream (for shutdown). */
export function eventRoutes(app: App, { store, hub, config }: RouteContext): () => void {
  const streams = new Set<SseStream>();

  app.get(
    "/api/v1/events",
    {
      // A HEAD request would open a stream that never ends; only GET is served.
      exposeHeadRoute: false,
      schema: {
        tags: ["events"],
        summary: "Live change events (text/event-stream)",
        description:
          "Each event: `id:` = seq, `event: change`, `data:` = the JSON below. Resume with the Last-Event-ID header or `?since=`. A `: ping` comment every 15 s.",
        querystring: EventsQuery,
        response: { 200: ChangeEvent.describe("the data of one `change` event") },
      },
    },
    async (request, reply) => {
      const since = resumeFrom(request.headers["last-event-id"], request.query.since);
      const { acquisitionId } = request.query;
      reply.hijack();
      const stream = new SseStream(reply.raw, acquisitionId);
      streams.add(stream);
      const unsubscribe = hub.subscribe((events) => stream.push(events));
      const timer = setInterval(() => stream.heartbeat(), config.sseHeartbeatMs);
      timer.unref();
      stream.onClose(() => {
        clearInterval(timer);
        unsubscribe();
        streams.delete(stream);
        request.log.info({ acquisitionId }, "event stream closed");
      });
      stream.open();
      request.log.info({ acquisitionId, since }, "event stream opened");
      try {
        let cursor = since;
        while (cursor !== undefined && !stream.isClosed) {
          const events = await store.changesSince(cursor, { limit: REPLAY_PAGE, ...(acquisitionId === undefined ? {} : { acquisitionId }) });
          stream.replay(events);
          cursor = events.length < REPLAY_PAGE ? undefined : events[events.length - 1]!.seq;
        }
        stream.goLive();
      } catch (err) {
        // The head is already sent, so the client only sees the stream end; it will reconnect and resume.
        request.log.error({ err }, "event replay failed");
        stream.close();
      }
    },
  );

  return () => {
    for (const s of [...streams]) s.close();
  };
}

function resumeFrom(header: string | string[] | undefined, since: number | undefined): number | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (value === undefined || value.trim() === "") return since;
  if (!/^\d{1,15}$/.test(value.trim())) throw new ValidationError("Last-Event-ID: must be the seq of a change event");
  return Number(value.trim());
}
