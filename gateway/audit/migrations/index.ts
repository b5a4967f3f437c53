import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123120000_access_log } from './Migration20261123120000_access_log.js';

export const migrations: MigrationObject[] = [
  { name: 'Migration20261123120000_access_log', class: Migration20261123120000_access_log },
];
