import { Args } from '@oclif/core';
import { AtesCommand } from '../../base-command.ts';

export default class ApikeyRevoke extends AtesCommand {
  static override summary = 'Revoke one of your API keys; it stops working at once';
  static override examples = ['<%= config.bin %> apikey revoke 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'];
  static override args = {
    id: Args.string({ description: 'the key’s id, or a unique start of it (see `ates apikey list`)', required: true }),
  };

  async run(): Promise<{ id: string; revoked: true }> {
    const { args } = await this.parse(ApikeyRevoke);
    const id = await this.resolveId(args.id, { noun: 'API key', list: (api) => api.GET('/v1/api-keys') });
    await this.call((api) => api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
    this.log(`Revoked the API key ${id}.`);
    return { id, revoked: true };
  }
}
