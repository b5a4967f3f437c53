import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

/** __TITLE__'s first tables. Constraints live here, in the database, as well as in rules.ts. */
export class __INIT_MIGRATION__ extends Migration {
  override up(): void {
    this.addSql(`create table __SNAKE___enrolment (
      id text primary key check (id ~ '^__UPPER__-[0-9]{7}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      programme text not null check (length(programme) between 1 and 120),
      city_code text not null check (city_code ~ '^[A-Z]+$'),
      enrolled_on date not null,
      reference text not null check (reference ~ '^[A-Z0-9-]{6,20}$'),${provenanceColumnsSql}
    )`);
    // A worker's enrolments (the Worker field, batched by worker id) and the jurisdiction filter.
    this.addSql(`create index __SNAKE___enrolment_worker_idx on __SNAKE___enrolment (worker_id)`);
    this.addSql(`create index __SNAKE___enrolment_city_idx on __SNAKE___enrolment (city_code, id)`);
    // One enrolment per worker and programme, whatever the letter case.
    this.addSql(`create unique index __SNAKE___enrolment_programme_uq on __SNAKE___enrolment (worker_id, lower(programme))`);
    this.addSql(`create sequence __SNAKE___enrolment_number_seq`);
  }
}
