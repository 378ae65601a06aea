import { JIRA_ID, splitLegacyTitle } from '@ates/db/bus';
import { badRequest } from '../http/problem.ts';
import type { CreateTaskInput } from './schemas.ts';

/** `[UP-42] - Fix the beak` → UP-42 + `Fix the beak`; a jiraId given beside it must agree. */
export function titleAndJiraId(input: CreateTaskInput): { title: string; jiraId: string | null } {
  const split = splitLegacyTitle(input.title);
  if (split.jiraId && input.jiraId && split.jiraId !== input.jiraId) {
    throw badRequest(`The title carries the jira id ${split.jiraId} but jiraId is ${input.jiraId}; give one of them.`);
  }
  const jiraId = input.jiraId ?? split.jiraId;
  if (jiraId !== null && !JIRA_ID.test(jiraId)) {
    throw badRequest(`The jira id ${jiraId} must look like UP-42.`);
  }
  if (split.title === '') throw badRequest('The title is empty once the jira id is taken out of it.');
  if (/[[\]]/.test(split.title)) {
    throw badRequest('The title must not contain [ or ]: put the jira id in jiraId, or write it as "[UP-42] - Title".');
  }
  return { title: split.title, jiraId };
}
