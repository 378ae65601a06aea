import { AtesCommand } from '../base-command.ts';
import type { Employee } from '../identity.ts';
import { describeEmployee } from '../render.ts';

export default class Whoami extends AtesCommand {
  static override summary = 'Show who you are signed in as';
  static override examples = ['<%= config.bin %> whoami', '<%= config.bin %> whoami --json'];

  async run(): Promise<Employee> {
    const employee = await this.call((api) => api.GET('/v1/me'));
    this.log(`${describeEmployee(employee)} at ${await this.apiUrl()}`);
    return employee;
  }
}
