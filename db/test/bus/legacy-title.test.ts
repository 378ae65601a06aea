import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JIRA_ID, splitLegacyTitle } from '../../src/bus/legacy-title.ts';
import { upcast } from '../../src/bus/upcasters.ts';

describe('splitLegacyTitle', () => {
  it.each([
    ['[UP-42] - Fix the beak', { title: 'Fix the beak', jiraId: 'UP-42' }],
    ['[UP-42] Fix the beak', { title: 'Fix the beak', jiraId: 'UP-42' }],
    ['  [UP-42]-Fix the beak  ', { title: 'Fix the beak', jiraId: 'UP-42' }],
    ['[ UP-7 ] - two\nlines', { title: 'two\nlines', jiraId: 'UP-7' }],
    ['[] - No id', { title: 'No id', jiraId: null }],
    ['Fix the beak', { title: 'Fix the beak', jiraId: null }],
    ['  Fix the beak ', { title: 'Fix the beak', jiraId: null }],
    ['Fix [UP-42] later', { title: 'Fix [UP-42] later', jiraId: null }],
  ])('%j', (raw, expected) => {
    expect(splitLegacyTitle(raw)).toEqual(expected);
  });

  it('takes back exactly what `[id] - title` put together, for any jira id and trimmed title', () => {
    const jiraId = fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}-[0-9]{1,6}$/);
    const title = fc
      .string({ minLength: 1 })
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('-'));
    fc.assert(
      fc.property(jiraId, title, (id, text) => {
        expect(JIRA_ID.test(id)).toBe(true);
        expect(splitLegacyTitle(`[${id}] - ${text}`)).toEqual({ title: text, jiraId: id });
      }),
    );
  });
});

describe('upcast', () => {
  const v1 = { task_id: 't', title: '[UP-1] - Old style', description: null };

  it('lifts Task v1 to v2 by splitting the jira id out of the title', () => {
    expect(upcast('Task.Created', 1, v1, 2)).toEqual({ ...v1, title: 'Old style', jira_id: 'UP-1' });
    expect(upcast('Task.Updated', 1, { ...v1, title: 'New style' }, 2)).toMatchObject({ jira_id: null });
  });

  it('leaves data at the target version alone and refuses a step it has no upcaster for', () => {
    expect(upcast('Task.Created', 2, v1, 2)).toBe(v1);
    expect(() => upcast('Employee.Created', 1, {}, 2)).toThrow('no upcaster for Employee.Created v1 → v2');
  });
});
