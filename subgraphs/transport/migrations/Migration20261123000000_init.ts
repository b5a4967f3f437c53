import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

export class Migration20261123000000_init extends Migration {
  override up(): void {
    this.addSql(`create table auto_stand (
      id text primary key check (id ~ '^AS-[A-Z]+-[0-9]{4}$'),
      name text not null,
      city_code text not null,
      ward_code text not null check (ward_code like city_code || '-W%'),
      capacity integer not null check (capacity > 0),${provenanceColumnsSql},
      unique (city_code, name)
    )`);
    // The filters `autoStands` offers, each usable with keyset paging on id.
    this.addSql(`create index auto_stand_city_idx on auto_stand (city_code, id)`);
    this.addSql(`create index auto_stand_ward_idx on auto_stand (ward_code, id)`);

    // One serial across RTOs and years: the RTO code and year in front keep numbers readable.
    this.addSql(`create sequence driving_licence_serial_seq`);
    this.addSql(`create table driving_licence (
      licence_number text primary key check (licence_number ~ '^[A-Z]{2}[0-9]{2} [0-9]{11}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      vehicle_classes text[] not null check (
        cardinality(vehicle_classes) >= 1
        and vehicle_classes <@ array['MCWG', 'LMV', 'LMV_TR', 'THREE_WHEELER_TR', 'E_RICKSHAW']
      ),
      issued_on date not null,
      valid_until date not null check (valid_until > issued_on),
      issuing_rto text not null check (issuing_rto ~ '^[A-Z]{2}[0-9]{2}$'),
      suspended boolean not null default false,${provenanceColumnsSql},
      check (left(licence_number, 4) = issuing_rto),
      check (substr(licence_number, 6, 4) = extract(year from issued_on)::text),
      -- Lets a badge's foreign key say that it sits on its own holder's licence.
      unique (licence_number, worker_id)
    )`);
    this.addSql(`create index driving_licence_worker_idx on driving_licence (worker_id)`);

    this.addSql(`create sequence psv_badge_number_seq`);
    this.addSql(`create table psv_badge (
      badge_number text primary key check (badge_number ~ '^PSV-[0-9]{7}$'),
      worker_id text not null,
      licence_number text not null,
      issued_on date not null,
      valid_until date not null check (valid_until > issued_on),
      suspended boolean not null default false,${provenanceColumnsSql},
      foreign key (licence_number, worker_id) references driving_licence (licence_number, worker_id)
    )`);
    this.addSql(`create index psv_badge_worker_idx on psv_badge (worker_id)`);
    this.addSql(`create index psv_badge_licence_idx on psv_badge (licence_number)`);

    this.addSql(`create sequence vehicle_permit_number_seq`);
    this.addSql(`create table vehicle_permit (
      permit_number text primary key check (permit_number ~ '^PMT-[0-9]{7}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      vehicle_registration text not null check (vehicle_registration ~ '^[A-Z]{2}[0-9]{2}[A-Z]{1,3}[0-9]{4}$'),
      permit_type text not null check (permit_type in ('AUTO_RICKSHAW_CONTRACT_CARRIAGE', 'E_RICKSHAW', 'GOODS_CARRIAGE')),
      auto_stand_id text references auto_stand (id),
      issued_on date not null,
      valid_until date not null check (valid_until > issued_on),
      suspended boolean not null default false,${provenanceColumnsSql},
      check (permit_type <> 'GOODS_CARRIAGE' or auto_stand_id is null)
    )`);
    this.addSql(`create index vehicle_permit_worker_idx on vehicle_permit (worker_id)`);
    this.addSql(`create index vehicle_permit_registration_idx on vehicle_permit (vehicle_registration)`);
    this.addSql(`create index vehicle_permit_auto_stand_idx on vehicle_permit (auto_stand_id)`);
  }
}
