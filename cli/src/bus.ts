/** What the bus operations answer (see api/src/bus/ and api/src/operations/), and how the CLI asks before acting. */

import { confirm } from '@inquirer/prompts';
import { Errors } from '@oclif/core';
import { EXIT } from './base-command.ts';

export type { DeadLetterItem } from '@ates/api/bus/dead-letters';
export type { Replay } from '@ates/api/bus/replays';
export type { OperationsState as Status } from '@ates/api/operations/schemas';

/** Goes on if `yes`, else asks at a terminal (no means exit 1); elsewhere --yes is required (exit 2). */
export async function confirmOrYes(yes: boolean, question: string): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) Errors.error('Pass --yes when not at a terminal.', { exit: EXIT.badInput });
  if (!(await confirm({ message: question, default: false }))) Errors.error('Nothing changed.', { exit: EXIT.failure });
}
