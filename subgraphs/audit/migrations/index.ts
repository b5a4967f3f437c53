import type { MigrationObject } from '@mikro-orm/core';
import { sealUseMigration } from '../../../src/shared/access/replay.js';
import { Migration20261123120000_access_log } from './Migration20261123120000_access_log.js';
import { Migration20261201120000_access_log_signatures } from './Migration20261201120000_access_log_signatures.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261123120000_access_log', class: Migration20261123120000_access_log },
  // The access-log subgraph spends the seals it accepts in the gateway's database.
  sealUseMigration,
  { name: 'Migration20261201120000_access_log_signatures', class: Migration20261201120000_access_log_signatures },
];
