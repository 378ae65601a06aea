/** What the bus operations answer, as the API defines it (see api/src/bus/ and api/src/operations/). */
export type { DeadLetterItem } from '@ates/api/bus/dead-letters';
export type { Replay } from '@ates/api/bus/replays';
export type { OperationsState as Status } from '@ates/api/operations/schemas';
