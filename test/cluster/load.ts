/** What the load driver saw of one request: enough to judge every answer afterwards. */
export interface Answer {
  operation: string;
  api: string;
  status: number;
  retryAfter: string | null;
  at: number;
}

export interface Caller {
  id: string;
  email: string;
  headers: Record<string, string>;
}

/**
 * Talks to a set of API processes in turn. A request whose connection fails (a process just
 * killed) goes to the next one; every answer that arrived is recorded for the auditor.
 */
export class LoadDriver {
  readonly answers: Answer[] = [];
  private readonly apis: () => string[];
  private next = 0;

  constructor(apis: () => string[]) {
    this.apis = apis;
  }

  async call<T = unknown>(
    operation: string,
    method: string,
    path: string,
    as: Caller | undefined,
    body?: unknown,
  ): Promise<{ status: number; body: T } | undefined> {
    const apis = this.apis();
    for (let attempt = 0; attempt < apis.length * 3; attempt++) {
      const api = apis[this.next++ % apis.length] as string;
      let response: Response;
      try {
        response = await fetch(`${api}${path}`, {
          method,
          headers: { ...(as?.headers ?? {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const text = await response.text();
      this.answers.push({
        operation,
        api,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        at: Date.now(),
      });
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    }
    return undefined;
  }
}
