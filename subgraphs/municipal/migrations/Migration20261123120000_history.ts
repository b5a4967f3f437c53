import { Migration } from '@mikro-orm/migrations';
import { historyMigrationSql } from '../../../src/shared/history.js';

/** Municipal starts keeping an append-only change history of every record table. */
export class Migration20261123120000_history extends Migration {
  override up(): void {
    const tables = [
      { table: 'ward', key: 'code' },
      { table: 'vending_zone', key: 'id' },
      { table: 'vending_certificate', key: 'certificate_number' },
      { table: 'trade_licence', key: 'licence_number' },
      { table: 'sanitation_worker_id', key: 'id_number' },
    ];
    for (const statement of historyMigrationSql(tables)) this.addSql(statement);
  }
}
