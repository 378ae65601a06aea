import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/webhooks.ts',
  out: './migrations/webhooks',
  schemaFilter: ['webhooks'],
});
