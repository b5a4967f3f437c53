import { __INIT_MIGRATION__ } from './__INIT_MIGRATION__.js';
import { __HISTORY_MIGRATION__ } from './__HISTORY_MIGRATION__.js';

/** Listed explicitly so migrations run the same under tsx, ts-jest and a bundle. */
export const migrations = [
  { name: '__INIT_MIGRATION__', class: __INIT_MIGRATION__ },
  { name: '__HISTORY_MIGRATION__', class: __HISTORY_MIGRATION__ },
];
