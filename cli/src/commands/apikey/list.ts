import { AtesCommand } from '../../base-command.ts';
import { shortIds, table, time } from '../../render.ts';

export default class ApikeyList extends AtesCommand {
  static override summary = 'List your API keys';
  static override examples = ['<%= config.bin %> apikey list', '<%= config.bin %> apikey list --json'];

  async run() {
    const result = await this.call((api) => api.GET('/v1/api-keys'));
    if (result.items.length === 0) {
      this.log('You have no API keys. Create one with `ates apikey create --name <what-for>`.');
      return result;
    }
    const short = shortIds(result.items.map((k) => k.id));
    const rows = result.items.map((k) => [
      k.name ?? '',
      `${k.start ?? ''}…`,
      k.enabled ? 'enabled' : 'disabled',
      time(k.createdAt),
      time(k.lastUsedAt) || 'never',
      time(k.expiresAt) || 'never',
      short(k.id),
    ]);
    this.log(table(['Name', 'Starts with', 'Status', 'Created (UTC)', 'Last used', 'Expires', 'Id'], rows));
    return result;
  }
}
