import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

export class Migration20261123000000_init extends Migration {
  override up(): void {
    this.addSql(`create table anganwadi_centre (
      id text primary key check (id ~ '^AWC-[A-Z]+-[0-9]{4}$'),
      name text not null,
      awc_code text not null unique check (awc_code ~ '^[0-9]{11}$'),
      city_code text not null,
      ward_code text not null check (ward_code like city_code || '-W%'),
      anganwadi_worker_name text not null,${provenanceColumnsSql},
      unique (city_code, name)
    )`);
    // The filters `anganwadiCentres` offers, each usable with keyset paging on id.
    this.addSql(`create index anganwadi_centre_city_idx on anganwadi_centre (city_code, id)`);
    this.addSql(`create index anganwadi_centre_ward_idx on anganwadi_centre (ward_code, id)`);

    // Each beneficiary type carries exactly its own date, and only women carry PMMVY instalments.
    this.addSql(`create table icds_enrolment (
      id text primary key check (id ~ '^ICDS-[0-9]{7}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      centre_id text not null references anganwadi_centre (id),
      beneficiary_type text not null check (beneficiary_type in ('PREGNANT_WOMAN', 'LACTATING_MOTHER', 'CHILD')),
      beneficiary_name text not null,
      relation_to_worker text not null check (relation_to_worker in ('SELF', 'SPOUSE', 'CHILD')),
      date_of_birth date,
      expected_delivery_date date,
      delivery_date date,
      enrolled_on date not null,
      status text not null check (status in ('ACTIVE', 'EXITED')),
      exited_on date,
      pmmvy_instalments_paid integer check (pmmvy_instalments_paid between 0 and 3),${provenanceColumnsSql},
      check ((beneficiary_type = 'CHILD') = (relation_to_worker = 'CHILD')),
      check ((beneficiary_type = 'CHILD') = (date_of_birth is not null)),
      check ((beneficiary_type = 'PREGNANT_WOMAN') = (expected_delivery_date is not null)),
      check ((beneficiary_type = 'LACTATING_MOTHER') = (delivery_date is not null)),
      check ((beneficiary_type = 'CHILD') = (pmmvy_instalments_paid is null)),
      check ((status = 'EXITED') = (exited_on is not null)),
      check (exited_on >= enrolled_on)
    )`);
    this.addSql(`create index icds_enrolment_worker_idx on icds_enrolment (worker_id)`);
    this.addSql(`create index icds_enrolment_centre_idx on icds_enrolment (centre_id)`);
    // One active enrolment per beneficiary; exited ones stay as history.
    this.addSql(`create unique index icds_enrolment_active_uq
      on icds_enrolment (worker_id, beneficiary_type, lower(beneficiary_name)) where status = 'ACTIVE'`);
    this.addSql(`create sequence icds_enrolment_number_seq`);
  }
}
