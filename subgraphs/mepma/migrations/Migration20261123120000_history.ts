import { Migration } from '@mikro-orm/migrations';
import { historyMigrationSql } from '../../../src/shared/history.js';

/** MEPMA starts keeping an append-only change history of every record table. */
export class Migration20261123120000_history extends Migration {
  override up(): void {
    const tables = [
      { table: 'cig', key: 'id' },
      { table: 'cig_membership', key: 'id' },
      { table: 'bank_linkage', key: 'id' },
      { table: 'savings_deposit', key: 'id' },
      { table: 'credit_linkage', key: 'id' },
    ];
    for (const statement of historyMigrationSql(tables)) this.addSql(statement);
  }
}
