/**
 * The dashboard (@emflow/web): `/` is its index.html, `/app/*` its compiled
 * modules and stylesheets, `/app/vendor/*` preact and htm as ES modules from
 * the installed packages (the page's import map points there). No bundler.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import type { FastifyReply } from "fastify";
import type { App } from "../app-types.js";
import { HttpError } from "../http-error.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

interface WebFiles {
  /** Directories searched in order for `/app/<path>`. */
  readonly roots: readonly string[];
  readonly index: string;
  readonly vendor: Readonly<Record<string, string>>;
}

/** Where the dashboard and its vendor modules are installed; undefined when @emflow/web is not. */
function locate(): WebFiles | undefined {
  try {
    const here = createRequire(import.meta.url);
    const pkg = here.resolve("@emflow/web/package.json");
    const web = createRequire(pkg);
    const dir = dirname(pkg);
    // The CommonJS entry points sit beside the ESM builds we serve.
    const preact = dirname(web.resolve("preact"));
    const hooks = dirname(web.resolve("preact/hooks"));
    const htm = dirname(web.resolve("htm"));
    return {
      roots: [join(dir, "dist"), join(dir, "public")],
      index: join(dir, "public", "index.html"),
      vendor: { "preact.mjs": join(preact, "preact.mjs"), "hooks.mjs": join(hooks, "hooks.mjs"), "htm.mjs": join(htm, "htm.mjs") },
    };
  } catch {
    return undefined;
  }
}

/** Send a file with its content type and a validator; 404 when it is not a regular file. */
async function sendFile(reply: FastifyReply, file: string, cacheControl: string, ifNoneMatch: string | undefined): Promise<FastifyReply> {
  const type = TYPES[extname(file)];
  const info = await stat(file).catch(() => undefined);
  if (type === undefined || info === undefined || !info.isFile()) throw new HttpError(404, "no such dashboard file");
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  reply.header("cache-control", cacheControl).header("etag", etag);
  if (ifNoneMatch === etag) return reply.status(304).send();
  return reply.type(type).send(createReadStream(file));
}

/** Register `/`, `/app/*` and `/app/vendor/*` (hidden from the OpenAPI document). */
export function webRoutes(app: App): void {
  const files = locate();
  const missing = (): never => {
    throw new HttpError(404, "the dashboard (@emflow/web) is not installed");
  };
  const schema = { hide: true };

  app.get("/", { schema }, async (request, reply) => {
    if (files === undefined) return missing();
    return sendFile(reply, files.index, "no-cache", request.headers["if-none-match"]);
  });

  app.get<{ Params: { name: string } }>("/app/vendor/:name", { schema }, async (request, reply) => {
    const file = files?.vendor[request.params.name];
    if (file === undefined) throw new HttpError(404, `no vendor module ${request.params.name}`);
    return sendFile(reply, file, "public, max-age=86400", request.headers["if-none-match"]);
  });

  app.get<{ Params: { "*": string } }>("/app/*", { schema }, async (request, reply) => {
    if (files === undefined) return missing();
    const rel = request.params["*"];
    // Plain relative paths only: no parent segments, backslashes, NUL or absolute paths.
    if (rel === "" || rel.split("/").some((s) => s === "" || s === "." || s === "..") || /[\\\0]/.test(rel)) {
      throw new HttpError(404, "no such dashboard file");
    }
    for (const root of files.roots) {
      const file = resolve(root, rel);
      if (!file.startsWith(root + sep)) continue;
      // Revalidated on every load (cheap 304s), so a rebuilt dashboard is picked up at once.
      const sent = await sendFile(reply, file, "no-cache", request.headers["if-none-match"]).catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 404) return undefined;
        throw err;
      });
      if (sent !== undefined) return sent;
    }
    throw new HttpError(404, `no such dashboard file ${rel}`);
  });
}
