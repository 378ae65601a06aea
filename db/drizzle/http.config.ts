import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/http.ts',
  out: './migrations/http',
  schemaFilter: ['http'],
});
