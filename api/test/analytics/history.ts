import { randomUUID } from 'node:crypto';
import type { Envelope, NewEvent } from '@ates/db/bus';
import { seeded } from '../../../test/support/seeded.ts';
import type { AuditEntry, DayEarnings, Payout, TopTask } from '../../src/analytics/reports.ts';

/**
 * A random but reproducible history of events, as identity, tasks and accounting would publish
 * it over some business days, and a model of it in plain JS: what every report must answer.
 */

export const TIME_ZONE = 'America/New_York';
/** Spans the switch to daylight saving time (2024-03-10 in New York). */
export const DAYS = ['2024-03-08', '2024-03-09', '2024-03-10', '2024-03-11', '2024-03-12'];

interface ModelEntry {
  eventId: string;
  transactionId: string;
  kind: 'debit' | 'credit' | 'payout';
  employeeId: string;
  amount: number;
  atMs: number;
  businessDay: string;
  taskId: string | null;
}

interface ModelCompletion {
  taskId: string;
  employeeId: string;
  reward: number;
  atMs: number;
}

export interface Model {
  employees: Map<string, { name: string; email: string }>;
  tasks: Map<string, { title: string; jiraId: string | null; description: string | null }>;
  completions: ModelCompletion[];
  entries: ModelEntry[];
}

export interface History {
  /** Each inner list is published in one transaction, in order. */
  batches: NewEvent[][];
  /** Fills in event ids once the batches are published (the bus assigns them). */
  model: Model;
}

/** The instant local midnight starts `day` in `timeZone`. */
export function localMidnight(day: string, timeZone: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  const first = utc - offset(utc, timeZone);
  return utc - offset(first, timeZone);
}

export function localDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

function offset(ms: number, timeZone: string): number {
  const parts: Record<string, number> = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return wall - Math.floor(ms / 1000) * 1000;
}

export function randomHistory(seed: number): History {
  const random = seeded(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const cents = (low: number, high: number) => (low + Math.floor(random() * (high - low + 1))) * 100;
  const model: Model = { employees: new Map(), tasks: new Map(), completions: [], entries: [] };
  const batches: NewEvent[][] = [];

  const workers = Array.from({ length: 7 }, (_, i) => ({
    id: `emp-${seed}-${i}`,
    name: `Popug ${i}`,
    email: `popug${i}@popug.inc`,
  }));
  batches.push(
    workers.map((w) => ({
      name: 'Employee.Created',
      data: { employee_id: w.id, full_name: w.name, role: 'worker', email: w.email },
    })),
  );
  for (const w of workers) model.employees.set(w.id, { name: w.name, email: w.email });

  const ledger = (
    kind: ModelEntry['kind'],
    employeeId: string,
    amount: number,
    atMs: number,
    day: string,
    taskId: string | null,
  ) => {
    const transactionId = randomUUID();
    model.entries.push({ eventId: '', transactionId, kind, employeeId, amount, atMs, businessDay: day, taskId });
    const name = kind === 'debit' ? 'AccountDebited' : kind === 'credit' ? 'AccountCredited' : 'PayoutMade';
    const data = {
      transaction_id: transactionId,
      task_id: taskId,
      employee_id: employeeId,
      amount,
      at: new Date(atMs).toISOString(),
      business_day: day,
    };
    return { name, data } as NewEvent;
  };

  const open: {
    id: string;
    fee: number;
    reward: number;
    assignee: string;
    title: string;
    jiraId: string | null;
    description: string | null;
  }[] = [];
  let serial = 0;
  for (const day of DAYS) {
    const start = localMidnight(day, TIME_ZONE);
    const end = localMidnight(DAYS[DAYS.indexOf(day) + 1] ?? '2024-03-13', TIME_ZONE);
    // Inside the local day, its very first and very last millisecond included.
    const within = () => pick([start, end - 1, start + Math.floor(random() * (end - start))]);
    const batch: NewEvent[] = [];
    for (let i = 0; i < 8; i++) {
      serial++;
      const task = {
        id: randomUUID(),
        fee: cents(10, 20),
        reward: cents(20, 40),
        assignee: pick(workers).id,
        title: `Task ${serial} of ${day}`,
        jiraId: serial % 3 === 0 ? `UP-${serial}` : null,
        description: serial % 2 === 0 ? `Described ${serial}` : null,
      };
      open.push(task);
      model.tasks.set(task.id, { title: task.title, jiraId: task.jiraId, description: task.description });
      const at = within();
      const data = {
        task_id: task.id,
        status: 'open',
        fee: task.fee,
        reward: task.reward,
        assignee: task.assignee,
        completed_at: null,
      };
      if (serial % 5 === 0 && task.jiraId) {
        // The legacy producer: jira id inside the title, upcast on the way to the projection.
        batch.push({
          name: 'Task.Created',
          version: 1,
          data: { ...data, title: `[${task.jiraId}] - ${task.title}`, description: task.description },
        } as unknown as NewEvent);
      } else {
        batch.push({
          name: 'Task.Created',
          data: { ...data, title: task.title, jira_id: task.jiraId, description: task.description },
        } as NewEvent);
      }
      batch.push({
        name: 'TaskAssigned',
        data: { task_id: task.id, employee_id: task.assignee, amount: task.fee, at: new Date(at).toISOString() },
      });
      batch.push(ledger('debit', task.assignee, task.fee, at, day, task.id));
    }
    for (const task of open.filter(() => random() < 0.3)) {
      task.assignee = pick(workers).id;
      batch.push(ledger('debit', task.assignee, task.fee, within(), day, task.id));
    }
    const tieAt = within();
    for (const task of open.filter(() => random() < 0.5)) {
      const at = random() < 0.2 ? tieAt : within();
      open.splice(open.indexOf(task), 1);
      model.completions.push({ taskId: task.id, employeeId: task.assignee, reward: task.reward, atMs: at });
      const when = new Date(at).toISOString();
      batch.push({
        name: 'TaskCompleted',
        data: { task_id: task.id, employee_id: task.assignee, amount: task.reward, at: when },
      });
      batch.push(ledger('credit', task.assignee, task.reward, at, day, task.id));
    }
    batches.push(batch);
    const payouts: NewEvent[] = [];
    for (const w of workers) {
      const balance = balanceOf(model, w.id);
      if (balance > 0 && random() < 0.8) payouts.push(ledger('payout', w.id, balance, end - 1, day, null));
    }
    batches.push(payouts);
  }
  const renamed = workers[0] as (typeof workers)[number];
  batches.push([
    {
      name: 'Employee.Updated',
      data: { employee_id: renamed.id, full_name: 'Kesha Renamed', role: 'worker', email: 'kesha@popug.inc' },
    },
  ]);
  model.employees.set(renamed.id, { name: 'Kesha Renamed', email: 'kesha@popug.inc' });
  return { batches, model };
}

/** Copies the event ids the bus assigned into the model, matched by transaction id. */
export function recordEventIds(model: Model, published: Envelope[]): void {
  const byTransaction = new Map(model.entries.map((e) => [e.transactionId, e]));
  for (const envelope of published) {
    const entry = 'transaction_id' in envelope.data ? byTransaction.get(envelope.data.transaction_id) : undefined;
    if (entry) entry.eventId = envelope.event_id;
  }
}

export function balanceOf(model: Model, employeeId: string): number {
  return model.entries
    .filter((e) => e.employeeId === employeeId)
    .reduce((sum, e) => sum + (e.kind === 'credit' ? e.amount : -e.amount), 0);
}

export function expectedEarnings(model: Model, days: string[]): DayEarnings[] {
  return days.map((businessDay) => {
    const of = (kind: ModelEntry['kind']) =>
      model.entries
        .filter((e) => e.businessDay === businessDay && e.kind === kind)
        .reduce((sum, e) => sum + e.amount, 0);
    const fees = of('debit');
    const rewards = of('credit');
    return {
      businessDay,
      feesCents: fees,
      rewardsCents: rewards,
      managementEarningsCents: fees - rewards,
      payoutsCents: of('payout'),
    };
  });
}

export function expectedInNegative(model: Model): number {
  return [...new Set(model.entries.map((e) => e.employeeId))].filter((id) => balanceOf(model, id) < 0).length;
}

export function expectedTopTasks(model: Model, from: string, to: string, limit: number): TopTask[] {
  return model.completions
    .filter((c) => {
      const day = localDay(c.atMs, TIME_ZONE);
      return day >= from && day <= to;
    })
    .sort((a, b) => b.reward - a.reward || a.atMs - b.atMs || (a.taskId < b.taskId ? -1 : 1))
    .slice(0, limit)
    .map((c, i) => {
      const task = model.tasks.get(c.taskId);
      return {
        rank: i + 1,
        taskId: c.taskId,
        jiraId: task?.jiraId ?? null,
        title: task?.title ?? '',
        description: task?.description ?? null,
        rewardCents: c.reward,
        completedAt: new Date(c.atMs).toISOString(),
        completedById: c.employeeId,
        completedByName: model.employees.get(c.employeeId)?.name ?? null,
      };
    });
}

export function expectedAudit(model: Model, day: string): AuditEntry[] {
  return model.entries
    .filter((e) => e.businessDay === day)
    .sort((a, b) => a.atMs - b.atMs || (a.eventId < b.eventId ? -1 : 1))
    .map((e) => {
      const task = e.taskId ? model.tasks.get(e.taskId) : undefined;
      return {
        eventId: e.eventId,
        transactionId: e.transactionId,
        kind: ({ debit: 'fee', credit: 'reward', payout: 'payout' } as const)[e.kind],
        employeeId: e.employeeId,
        fullName: model.employees.get(e.employeeId)?.name ?? null,
        amountCents: e.kind === 'credit' ? e.amount : -e.amount,
        at: new Date(e.atMs).toISOString(),
        taskId: e.taskId,
        jiraId: task?.jiraId ?? null,
        title: task?.title ?? null,
        description: task?.description ?? null,
      };
    });
}

export function expectedPayouts(model: Model, day: string): Payout[] {
  return model.entries
    .filter((e) => e.businessDay === day && e.kind === 'payout')
    .sort((a, b) => b.amount - a.amount || (a.employeeId < b.employeeId ? -1 : 1))
    .map((e) => ({
      transactionId: e.transactionId,
      employeeId: e.employeeId,
      fullName: model.employees.get(e.employeeId)?.name ?? null,
      email: model.employees.get(e.employeeId)?.email ?? null,
      amountCents: e.amount,
      paidAt: new Date(e.atMs).toISOString(),
    }));
}
