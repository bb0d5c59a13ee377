/**
 * EPU sessions that agents registered (the store's acquisitions) seen as USC
 * sessions: all under one project (`agent_project`, default "epu"), owned by
 * the user whose `agent_owners` prefix matches the EPU session name (longest
 * first), else by `agent_user` (default "epu"). Their session id is the
 * acquisition's UUID (EPU names may hold characters a URL segment may not,
 * and two sessions may share a name). Data-root registrations ("usc:…") are
 * not agent sessions.
 */
import type { Acquisition } from "../model/entities.js";
import type { Store } from "../store/store.js";
import { DATA_ROOT_PREFIX } from "./register.js";

/** How agent sessions map onto projects and users. */
export interface AgentMapping {
  readonly agentProject: string;
  readonly agentUser: string;
  /** Longest prefix first. */
  readonly agentOwners: ReadonlyArray<{ readonly prefix: string; readonly user: string }>;
}

/** The user an EPU session belongs to. */
export function ownerOf(mapping: AgentMapping, sessionName: string): string {
  return mapping.agentOwners.find((o) => sessionName.startsWith(o.prefix))?.user ?? mapping.agentUser;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for an acquisition an agent sent (not one registered from the data root). */
export function isAgentAcquisition(a: Acquisition): boolean {
  return !a.name.startsWith(DATA_ROOT_PREFIX);
}

/** The agent acquisitions of (project, user), in insertion order (every page of the store). */
export async function listAgentSessions(store: Store, mapping: AgentMapping, project: string, user: string): Promise<Acquisition[]> {
  if (project !== mapping.agentProject) return [];
  const out: Acquisition[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listAcquisitions({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const a of page.items) if (isAgentAcquisition(a) && ownerOf(mapping, a.name) === user) out.push(a);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/** Whether any agent session belongs to `user` (for the project list). */
export async function hasAgentSessions(store: Store, mapping: AgentMapping, user: string): Promise<boolean> {
  return (await listAgentSessions(store, mapping, mapping.agentProject, user)).length > 0;
}

/** The agent acquisition `id` if it belongs to (project, user); undefined otherwise. */
export async function findAgentSession(store: Store, mapping: AgentMapping, project: string, user: string, id: string): Promise<Acquisition | undefined> {
  if (project !== mapping.agentProject || !UUID.test(id)) return undefined;
  const a = await store.getAcquisition(id);
  return a !== undefined && isAgentAcquisition(a) && ownerOf(mapping, a.name) === user ? a : undefined;
}
