import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '@ates/api/runtime';
import { atesHome, logger } from '@ates/db';
import { Flags } from '@oclif/core';
import {
  describeAuditReport,
  describePayoutsReport,
  describeSummary,
  describeTopTasks,
  earningsChart,
} from '../analytics.ts';
import { AtesCommand, EXIT } from '../base-command.ts';
import { describeClose } from '../billing.ts';
import type { Answer, Api, Body, Reply, Schema } from '../client.ts';
import type { Role } from '../identity.ts';
import { count, money, payoutTable, progressBar, table, whileWaiting } from '../render.ts';
import type { Task } from '../tasks.ts';

interface DemoEmployee {
  id: string;
  role: Role;
  fullName: string;
  email: string;
  password: string;
}

interface Session extends DemoEmployee {
  token: string;
}

interface Reports {
  summary: Schema<'AnalyticsSummary'>;
  earnings: Reply<'get', '/v1/reports/earnings'>;
  audit: Schema<'AnalyticsAuditLog'>;
  payouts: Reply<'get', '/v1/reports/payouts'>;
  topTasks: Reply<'get', '/v1/reports/top-tasks'>;
}

interface DemoResult {
  home: string;
  businessDay: string;
  /** The close, then the same close asked again the same day: already closed, nothing paid twice. */
  closes: [Schema<'ClosedDay'>, Schema<'ClosedDay'>];
  employees: DemoEmployee[];
  /** The close's payouts, each with where its email went. */
  payouts: Schema<'Payout'>[];
  counts: {
    employees: number;
    tasks: number;
    reassignedTasks: number;
    completedTasks: number;
    payouts: number;
    payoutTotalCents: number;
  };
  reports: Reports;
}

/** What the demo did, before it says where. */
type DemoDay = Omit<DemoResult, 'home'>;

type Hire = Pick<DemoEmployee, 'role' | 'fullName' | 'email'>;

const STAFF: Hire[] = [
  { role: 'manager', fullName: 'Mila Popug', email: 'manager@popug.inc' },
  { role: 'accountant', fullName: 'Ada Popug', email: 'accountant@popug.inc' },
  ...['Kesha', 'Gosha', 'Rio', 'Kiwi', 'Polly', 'Tweety'].map((name) => ({
    role: 'worker' as const,
    fullName: `${name} Popug`,
    email: `${name.toLowerCase()}@popug.inc`,
  })),
];

const CHORES = [
  'Feed the parrots',
  'Fix the beak',
  'Polish the perches',
  'Count the seeds',
  'Tune the squawk',
  'Sweep the cage',
  'Sort the feathers',
  'Ring the bell',
  'Fill the water dish',
  'Oil the swing',
];

/** Rounds of bonus chores (one per assignable employee) the demo may need before someone earns. */
const MAX_BONUS_ROUNDS = 20;

/** Thirty tasks, a third written the legacy way (`[UP-n] - Title`), a third with a jira id of its own. */
const TASKS = Array.from({ length: 30 }, (_, i) => {
  const title = `${CHORES[i % CHORES.length]}, cage ${Math.floor(i / CHORES.length) + 1}`;
  const jiraId = `UP-${101 + i}`;
  if (i % 3 === 0) return { title: `[${jiraId}] - ${title}` };
  if (i % 3 === 1) return { title, jiraId, description: 'Before the morning squawk.' };
  return { title };
});

export default class Demo extends AtesCommand {
  static override summary = 'Try aTES: run a whole business day on a fresh home and print every report';
  static override description =
    'Starts aTES in-process on a fresh home (embedded PostgreSQL and chDB, whatever DATABASE_URL and ' +
    'CLICKHOUSE_URL say) and, through its HTTP API, hires a manager, an accountant and six workers, creates ' +
    'thirty tasks, reassigns them, has the workers complete some, then adds chores done at once until someone ' +
    'has earned money, closes the day as the accountant (paying out every positive balance, each payout mailed ' +
    'as an .eml file in <home>/outbox unless SMTP_URL is set), closes it again (the second close says it is ' +
    'already closed and pays nothing) and prints every report and where each mail went. The data stays: the ' +
    'credentials it prints sign in once `ates server start` runs on the same ' +
    'home. A home that already holds an aTES database is refused.';
  static override examples = [
    '<%= config.bin %> demo --home /tmp/ates-demo',
    'ATES_HOME=/tmp/ates-demo <%= config.bin %> demo --json',
  ];
  /** The demo talks to the API it starts itself. */
  static override baseFlags = { ...AtesCommand.baseFlags, api: { ...AtesCommand.baseFlags.api, hidden: true } };
  static override flags = {
    home: Flags.string({ description: 'a data folder with no aTES in it yet [default: ~/.ates]', env: 'ATES_HOME' }),
  };

  private api = '';

  async run(): Promise<DemoResult> {
    const { flags } = await this.parse(Demo);
    const home = atesHome(flags.home);
    if (existsSync(join(home, 'postgres'))) {
      this.error(
        `${home} already holds an aTES database, and a demo needs a fresh home. ` +
          'Pick another with --home DIR (or ATES_HOME=DIR).',
        { exit: EXIT.badInput },
      );
    }
    logger.level = 'error';
    const started = performance.now();
    const firstAdmin: Hire & { password: string } = {
      role: 'admin',
      fullName: 'Kakadu Popug',
      email: 'admin@popug.inc',
      password: randomBytes(12).toString('base64url'),
    };
    const runtime = await this.step(`Starting aTES in ${home}`, () => startRuntime({ home, port: 0, firstAdmin }));
    let result: DemoDay;
    try {
      this.api = runtime.apiUrl ?? '';
      result = await this.playDay(await this.signIn(firstAdmin), () => runtime.bus.settle());
    } finally {
      await this.step('Stopping aTES; the data stays', () => runtime.stop());
    }
    this.show(home, result, performance.now() - started);
    return { home, ...result };
  }

  protected override async apiUrl(): Promise<string> {
    return this.api;
  }

  private async playDay(admin: Session, settle: () => Promise<void>): Promise<DemoDay> {
    const staff = await this.each(`Hiring ${STAFF.length} employees as the admin`, STAFF, (hire) =>
      this.hire(admin, hire),
    );
    await this.step('Waiting for every context to hear of them', settle);
    const [manager, accountant] = staff as [Session, Session];
    const workers = staff.filter((employee) => employee.role === 'worker');
    const tasks = await this.each(`Creating ${TASKS.length} tasks as the manager`, TASKS, (task) =>
      this.as(manager, (api) => api.POST('/v1/tasks', { body: task })),
    );
    const reassigned = await this.step('Reassigning every open task as the manager', () =>
      this.as(manager, (api) => api.POST('/v1/tasks/reassign')),
    );
    const chores = (await Promise.all(workers.map((worker) => this.choresOf(worker)))).flat();
    await this.each(`Workers completing ${chores.length} of their tasks`, chores, ({ worker, task }) =>
      this.as(worker, (api) => api.POST('/v1/tasks/{id}/complete', { params: { path: { id: task.id } } })),
    );
    await this.step('Waiting for the ledger to post every fee and reward', settle);
    const bonus = await this.step('Adding chores done at once until someone has earned money', () =>
      this.untilSomeoneEarns(manager, accountant, staff, settle),
    );
    const summary = await this.step("Reading the day's summary as the admin, before it closes", () =>
      this.as(admin, (api) => api.GET('/v1/reports/summary')),
    );
    const close = () => this.as(accountant, (api) => api.POST('/v1/business-days/close', { body: {} }));
    const closed = await this.step('Closing the business day as the accountant', close);
    const again = await this.step('Closing it again, as a double-click would', close);
    await this.step('Waiting for the payouts to reach the analytics and the mail', settle);
    const reports = await this.step('Reading every report as the admin', () =>
      this.reports(admin, closed.businessDay, summary),
    );
    const payouts = await this.as(accountant, (api) =>
      api.GET('/v1/payouts', { params: { query: { date: closed.businessDay, limit: 1000 } } }),
    );
    return {
      businessDay: closed.businessDay,
      closes: [closed, again],
      employees: [admin, ...staff].map(({ token: _, ...employee }) => employee),
      payouts: payouts.items,
      counts: {
        employees: staff.length + 1,
        tasks: tasks.length + bonus,
        reassignedTasks: reassigned.movedTasks,
        completedTasks: chores.length + bonus,
        payouts: closed.payoutCount,
        payoutTotalCents: closed.payoutTotalCents,
      },
      reports,
    };
  }

  /** Creates an employee (the API makes their password) and signs them in. */
  private async hire(admin: Session, hire: Hire): Promise<Session> {
    const created = await this.as(admin, (api) => api.POST('/v1/employees', { body: hire }));
    if (!created.generatedPassword) this.error(`The API made no password for ${hire.email}.`, { exit: EXIT.failure });
    return this.signIn({ ...hire, password: created.generatedPassword });
  }

  private async signIn(employee: Omit<DemoEmployee, 'id'>): Promise<Session> {
    const { response } = await this.exchange(
      (api) => api.POST('/api/auth/sign-in/email', { body: { email: employee.email, password: employee.password } }),
      { token: null },
    );
    const token = response.headers.get('set-auth-token');
    if (!token) this.error(`The API signed ${employee.email} in but sent no token.`, { exit: EXIT.failure });
    const me = await this.as({ token }, (api) => api.GET('/v1/me'));
    return { ...employee, id: me.id, token };
  }

  /**
   * Fees drawn at random can leave every balance at or below zero, and then the close pays
   * nothing. A task done by its assignee earns them its reward less its fee, never less than
   * zero: the manager adds such chores, a round at a time, until some balance is positive.
   * Answers how many were added.
   */
  private async untilSomeoneEarns(
    manager: Session,
    accountant: Session,
    staff: Session[],
    settle: () => Promise<void>,
  ) {
    const byId = new Map(staff.map((employee) => [employee.id, employee]));
    const round = staff.filter((employee) => employee.role === 'worker' || employee.role === 'accountant').length;
    let added = 0;
    for (let rounds = 0; rounds < MAX_BONUS_ROUNDS; rounds++) {
      const earning = await this.as(accountant, (api) =>
        api.GET('/v1/accounts', { params: { query: { balance: 'positive', limit: 1 } } }),
      );
      if (earning.totals.count > 0) return added;
      for (let i = 0; i < round; i++) {
        added++;
        const task = await this.as(manager, (api) =>
          api.POST('/v1/tasks', { body: { title: `Bonus chore ${added}` } }),
        );
        await this.as(byId.get(task.assigneeId) as Session, (api) =>
          api.POST('/v1/tasks/{id}/complete', { params: { path: { id: task.id } } }),
        );
      }
      await settle();
    }
    return this.error(`After ${added} bonus chores nobody has earned money yet.`, { exit: EXIT.failure });
  }

  /** A worker completes every open task of theirs but the newest. */
  private async choresOf(worker: Session): Promise<{ worker: Session; task: Task }[]> {
    const { items } = await this.as(worker, (api) =>
      api.GET('/v1/tasks', { params: { query: { assignee: 'me', status: 'open', limit: 200 } } }),
    );
    return items.slice(1).map((task) => ({ worker, task }));
  }

  /** The reports of the closed day; the summary is read before the close, while the day is in progress. */
  private async reports(admin: Session, day: string, summary: Schema<'AnalyticsSummary'>): Promise<Reports> {
    const [earnings, audit, payouts, topTasks] = await Promise.all([
      this.as(admin, (api) => api.GET('/v1/reports/earnings', { params: { query: { to: day } } })),
      this.auditOf(admin, day),
      this.as(admin, (api) => api.GET('/v1/reports/payouts', { params: { query: { date: day } } })),
      this.as(admin, (api) => api.GET('/v1/reports/top-tasks', { params: { query: { date: day } } })),
    ]);
    return { summary, earnings, audit, payouts, topTasks };
  }

  private async auditOf(admin: Session, day: string): Promise<Schema<'AnalyticsAuditLog'>> {
    const query: { date: string; limit: number; cursor?: string } = { date: day, limit: 1000 };
    const items: Schema<'AnalyticsAuditEntry'>[] = [];
    let page: Schema<'AnalyticsAuditLog'>;
    do {
      page = await this.as(admin, (api) => api.GET('/v1/reports/audit', { params: { query } }));
      items.push(...page.items);
      if (page.nextCursor) query.cursor = page.nextCursor;
    } while (page.nextCursor);
    return { businessDay: page.businessDay, items, nextCursor: null };
  }

  /** Calls the API as one of the demo's employees. */
  private async as<A extends Answer>(who: Pick<Session, 'token'>, request: (api: Api) => Promise<A>): Promise<Body<A>> {
    return (await this.exchange(request, { token: who.token })).body;
  }

  private show(home: string, { closes, employees, counts, reports, payouts, businessDay }: DemoDay, ms: number): void {
    const sections: [string, string][] = [
      ['billing close-day --yes', describeClose(closes[0])],
      ['billing close-day --yes', describeClose(closes[1])],
      ['report summary', describeSummary(reports.summary)],
      ['report earnings', earningsChart(reports.earnings)],
      [`report audit --date ${reports.audit.businessDay} --all`, describeAuditReport(reports.audit)],
      [`report payouts --date ${reports.audit.businessDay}`, describePayoutsReport(reports.payouts)],
      ['report top-tasks', describeTopTasks(reports.topTasks)],
      [`billing payouts --date ${businessDay}`, payoutTable(payouts)],
    ];
    for (const [command, text] of sections) this.log(`\n$ ${this.config.bin} ${command}\n${text}`);
    this.log(
      `\n${count(counts.employees)} employees, ${count(counts.tasks)} tasks (${count(counts.reassignedTasks)} reassigned, ` +
        `${count(counts.completedTasks)} completed), ${count(counts.payouts)} payouts of ${money(counts.payoutTotalCents)} ` +
        `in all: the demo took ${(ms / 1000).toFixed(1)} s.`,
    );
    this.log(`The payout emails went where the "Payout email" column says: ${mailsWentTo(home, payouts)}.`);
    this.log('\nThe demo employees (their passwords are shown only here):');
    this.log(
      table(
        ['Role', 'Name', 'Email', 'Password'],
        employees.map((e) => [e.role, e.fullName, e.email, e.password]),
      ),
    );
    this.log('\nGo on with:');
    this.log(`  ATES_HOME=${shellWord(home)} pnpm ates server start`);
    this.log(`  pnpm ates login --email ${employees[0]?.email}`);
  }

  /** A step of the demo: a spinner while it runs, then a tick and the time it took. */
  private async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await whileWaiting(label, work());
    this.tick(label, started);
    return result;
  }

  /** A step made of one request per item, in turn, with a progress bar. */
  private async each<T, R>(label: string, items: readonly T[], act: (item: T) => Promise<R>): Promise<R[]> {
    const started = performance.now();
    const bar = await progressBar(label);
    const results: R[] = [];
    try {
      for (const item of items) {
        bar.update(results.length, items.length);
        results.push(await act(item));
      }
    } finally {
      bar.stop();
    }
    this.tick(label, started);
    return results;
  }

  private tick(label: string, started: number): void {
    this.logToStderr(`✓ ${label} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

/** The outbox folder when every mail is an .eml file in it, else the SMTP server the mailer named. */
function mailsWentTo(home: string, payouts: Schema<'Payout'>[]): string {
  const outbox = join(home, 'outbox');
  const locations = payouts.map((payout) => payout.mail?.location ?? 'not yet sent');
  return locations.every((location) => location.startsWith(outbox))
    ? `one .eml file each in ${outbox}`
    : [...new Set(locations)].join(', ');
}

/** A path as one shell word, quoted when it needs to be. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
