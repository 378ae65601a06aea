import { Flags } from '@oclif/core';
import { AtesCommand, ask, prompts } from '../../base-command.ts';
import { printable } from '../../render.ts';

export default class ApikeyCreate extends AtesCommand {
  static override summary = 'Create an API key for an integration; it acts as you';
  static override description =
    'The key is shown this once: send it as the x-api-key header (or ATES_API_KEY for the CLI).';
  static override examples = [
    '<%= config.bin %> apikey create --name jira-sync',
    '<%= config.bin %> apikey create --name nightly-report --expires-in-days 90 --json',
  ];
  static override flags = {
    name: Flags.string({ description: 'what the key is for (at most 32 characters)' }),
    'expires-in-days': Flags.integer({
      description: 'stop working after this many days [default: never]',
      min: 1,
      max: 365,
    }),
  };

  async run() {
    const { flags } = await this.parse(ApikeyCreate);
    const name =
      flags.name ??
      (await ask('name', async () => (await prompts()).input({ message: 'What is the key for?', required: true })));
    const days = flags['expires-in-days'];
    const created = await this.call((api) =>
      api.POST('/v1/api-keys', { body: { name, ...(days === undefined ? {} : { expiresInDays: days }) } }),
    );
    this.log(
      `Created the API key "${printable(created.name ?? '')}" (id ${created.id}). Copy it now; it is not shown again:`,
    );
    this.log(created.key);
    return created;
  }
}
