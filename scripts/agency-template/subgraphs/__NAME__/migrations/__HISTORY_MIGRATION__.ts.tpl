import { Migration } from '@mikro-orm/migrations';
import { historyMigrationSql } from '../../../src/shared/history.js';

/** __TITLE__ keeps an append-only change history of every record table (add new tables here too). */
export class __HISTORY_MIGRATION__ extends Migration {
  override up(): void {
    const tables = [{ table: '__SNAKE___enrolment', key: 'id' }];
    for (const statement of historyMigrationSql(tables)) this.addSql(statement);
  }
}
