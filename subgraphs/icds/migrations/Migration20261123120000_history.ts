import { Migration } from '@mikro-orm/migrations';
import { historyMigrationSql } from '../../../src/shared/history.js';

/** ICDS starts keeping an append-only change history of every record table. */
export class Migration20261123120000_history extends Migration {
  override up(): void {
    const tables = [
      { table: 'anganwadi_centre', key: 'id' },
      { table: 'icds_enrolment', key: 'id' },
    ];
    for (const statement of historyMigrationSql(tables)) this.addSql(statement);
  }
}
