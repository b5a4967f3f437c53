import { Migration } from '@mikro-orm/migrations';
import { historyMigrationSql } from '../../../src/shared/history.js';

/** Transport starts keeping an append-only change history of every record table. */
export class Migration20261123120000_history extends Migration {
  override up(): void {
    const tables = [
      { table: 'auto_stand', key: 'id' },
      { table: 'driving_licence', key: 'licence_number' },
      { table: 'psv_badge', key: 'badge_number' },
      { table: 'vehicle_permit', key: 'permit_number' },
    ];
    for (const statement of historyMigrationSql(tables)) this.addSql(statement);
  }
}
