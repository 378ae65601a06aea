import { apikey } from '@ates/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { notFound } from '../http/problem.ts';
import { isUuid } from '../http/text.ts';
import type { Auth } from './auth.ts';
import type { CredentialCache } from './credential-cache.ts';
import type { IdentityDeps } from './employees.ts';
import type { ApiKey, NewApiKey } from './schemas.ts';

/** Each employee's own API keys: a key acts as its owner, with the owner's role. */
export function apiKeyService({ db }: IdentityDeps, auth: Auth, credentials: CredentialCache) {
  return {
    async create(ownerId: string, input: NewApiKey): Promise<ApiKey & { key: string }> {
      const created = await auth.api.createApiKey({
        body: {
          userId: ownerId,
          name: input.name,
          expiresIn: input.expiresInDays === undefined ? null : input.expiresInDays * 86_400,
        },
      });
      const [row] = await db.select().from(apikey).where(eq(apikey.id, created.id));
      if (!row) throw new Error(`the API key ${created.id} was not stored`);
      return { ...toApiKey(row), key: created.key };
    },

    async list(ownerId: string): Promise<ApiKey[]> {
      const rows = await db
        .select()
        .from(apikey)
        .where(eq(apikey.referenceId, ownerId))
        .orderBy(asc(apikey.createdAt), asc(apikey.id));
      return rows.map(toApiKey);
    },

    /** Deletes the key, so it stops working at once; someone else's key is "not found". */
    async revoke(ownerId: string, id: string): Promise<void> {
      const deleted = isUuid(id)
        ? await db
            .delete(apikey)
            .where(and(eq(apikey.id, id), eq(apikey.referenceId, ownerId)))
            .returning({ id: apikey.id })
        : [];
      if (deleted.length === 0) throw notFound(`You have no API key ${id}.`);
      await credentials.forgetEverywhere(`API key ${id} revoked`);
    },
  };
}

export type ApiKeyService = ReturnType<typeof apiKeyService>;

function toApiKey(row: typeof apikey.$inferSelect): ApiKey {
  return {
    id: row.id,
    name: row.name,
    start: row.start,
    enabled: row.enabled !== false,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastRequest?.toISOString() ?? null,
  };
}
