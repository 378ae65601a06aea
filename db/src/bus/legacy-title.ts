/** What a jira id looks like: `UP-42`. The Task v2 event schemas hold the same pattern. */
export const JIRA_ID = /^[A-Z][A-Z0-9]*-[0-9]+$/;

const LEGACY_TITLE = /^\s*\[(?<jira>[^\]]*)\]\s*-?\s*(?<title>.*)$/s;

/**
 * Titles written the old way carry the jira id: `[UP-42] - Fix the beak` → UP-42 + `Fix the beak`.
 * Used by the tasks context on input and by the upcaster of v1 task events.
 */
export function splitLegacyTitle(raw: string): { title: string; jiraId: string | null } {
  const match = LEGACY_TITLE.exec(raw);
  if (!match?.groups) return { title: raw.trim(), jiraId: null };
  return { title: (match.groups.title ?? '').trim(), jiraId: (match.groups.jira ?? '').trim() || null };
}
