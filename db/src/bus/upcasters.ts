import type { EventName } from './events.ts';
import { splitLegacyTitle } from './legacy-title.ts';

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

function splitJiraId(data: Record<string, unknown>): Record<string, unknown> {
  const { title, jiraId } = splitLegacyTitle(String(data.title));
  return { ...data, title, jira_id: jiraId };
}

/** `name@from` → the function that lifts its data to version from + 1. */
const upcasters: Record<string, Upcaster> = {
  'Task.Created@1': splitJiraId,
  'Task.Updated@1': splitJiraId,
};

/** Lifts an event's data, one version at a time, to the version a consumer reads. */
export function upcast(name: EventName, version: number, data: unknown, target: number): unknown {
  let current = data as Record<string, unknown>;
  for (let v = version; v < target; v++) {
    const step = upcasters[`${name}@${v}`];
    if (!step) throw new Error(`no upcaster for ${name} v${v} → v${v + 1}`);
    current = step(current);
  }
  return current;
}
