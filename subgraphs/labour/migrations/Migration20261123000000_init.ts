import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

export class Migration20261123000000_init extends Migration {
  override up(): void {
    this.addSql(`create sequence worker_number_seq`);
    this.addSql(`create table worker (
      id text primary key check (id ~ '^W-[0-9]{7}$'),
      name text not null,
      gender text not null check (gender in ('FEMALE', 'MALE', 'TRANSGENDER')),
      date_of_birth date not null,
      phone text not null unique check (phone ~ '^[6-9][0-9]{9}$'),
      id_token text not null unique, -- one vault reference per person: a second registration is a duplicate
      id_last4 text not null check (id_last4 ~ '^[0-9]{4}$'),
      occupation text not null,
      nco_code text not null,
      city_code text not null,
      ward_code text not null,
      registered_on date not null,
      eshram_uan text unique check (eshram_uan ~ '^[0-9]{12}$'),${provenanceColumnsSql}
    )`);
    // The filters `workers` offers, each usable with keyset paging on id.
    this.addSql(`create index worker_city_idx on worker (city_code, id)`);
    this.addSql(`create index worker_ward_idx on worker (ward_code, id)`);
    this.addSql(`create index worker_occupation_idx on worker (occupation, city_code, id)`);
    this.addSql(`create index worker_id_last4_dob_idx on worker (id_last4, date_of_birth)`);

    this.addSql(`create table social_security_enrolment (
      id text primary key,
      worker_id text not null references worker (id),
      scheme text not null,
      status text not null check (status in ('ACTIVE', 'LAPSED', 'CLOSED')),
      enrolled_on date not null,
      scheme_reference text not null,${provenanceColumnsSql}
    )`);
    this.addSql(`create index social_security_enrolment_worker_idx on social_security_enrolment (worker_id)`);
    // One active enrolment per scheme per worker; lapsed or closed ones stay as history.
    this.addSql(`create unique index social_security_enrolment_active_uq
      on social_security_enrolment (worker_id, scheme) where status = 'ACTIVE'`);
    this.addSql(`create sequence social_security_enrolment_number_seq`);
  }
}
