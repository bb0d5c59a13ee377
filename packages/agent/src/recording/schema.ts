/**
 * epuplayer's recording format (version 2.0), validated with zod: a
 * recording.json of metadata plus filesystem events whose paths are POSIX,
 * relative to the recorded directory.
 */
import { z } from "zod";
import { checkRelativePath } from "./safe-path.js";

export const EVENT_TYPES = ["initial_dir", "initial_file", "created", "modified", "deleted", "moved", "appended", "truncated"] as const;
export type RecordingEventType = (typeof EVENT_TYPES)[number];

const relPath = z.string().superRefine((p, ctx) => {
  const problem = checkRelativePath(p);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: `${problem} ('${p.slice(0, 200)}')` });
});
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
// Python writes None for absent fields; legacy files may omit them.
const opt = <T extends z.ZodType>(t: T) => t.nullish().transform((v) => v ?? null);

/** One filesystem event, exactly epuplayer's FSEvent fields. */
export const RecordingEvent = z
  .object({
    timestamp: z.number(),
    event_type: z.enum(EVENT_TYPES),
    src_path: relPath,
    dest_path: opt(relPath),
    is_directory: z.boolean().default(false),
    content: opt(z.string()),
    size: opt(count),
    content_hash: opt(z.string().regex(/^([0-9a-f]{64}|unreadable_.*)$/, "must be a sha256 hex digest")),
    binary_chunk_id: opt(z.string().regex(/^chunk_\d+$/, "must look like chunk_<n>")),
    operation_data: opt(z.record(z.string(), z.unknown())),
    file_position: opt(count),
    is_placeholder: z.boolean().default(false),
  })
  .superRefine((e, ctx) => {
    if (e.event_type === "moved" && e.dest_path === null) ctx.addIssue({ code: "custom", path: ["dest_path"], message: "a moved event needs dest_path" });
    if (e.event_type === "appended" && e.file_position === null) ctx.addIssue({ code: "custom", path: ["file_position"], message: "an appended event needs file_position" });
    if (e.src_path === "." && !e.is_directory) ctx.addIssue({ code: "custom", path: ["src_path"], message: "'.' can only name the recorded directory itself" });
  });
export type RecordingEvent = z.infer<typeof RecordingEvent>;

export const RecordingMetadata = z
  .object({
    recorded_at: z.string(),
    watch_dir: z.string(),
    total_events: count,
    version: z.string().default("1.0"),
    platform: z.string().default("unknown"),
  })
  .loose();
export type RecordingMetadata = z.infer<typeof RecordingMetadata>;

/** recording.json */
export const RecordingJson = z
  .object({ metadata: RecordingMetadata, events: z.array(RecordingEvent) })
  .superRefine((r, ctx) => {
    if (r.metadata.total_events !== r.events.length) {
      ctx.addIssue({ code: "custom", path: ["metadata", "total_events"], message: `says ${r.metadata.total_events} events but the file has ${r.events.length}` });
    }
  });
export type RecordingJson = z.infer<typeof RecordingJson>;

/** A loaded recording: the validated JSON plus the binary chunks it references. */
export interface Recording extends RecordingJson {
  /** chunk id (chunk_<n>) → bytes. */
  chunks: ReadonlyMap<string, Uint8Array>;
  /** Where it was read from, for messages. */
  source: string;
}
