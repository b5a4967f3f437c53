import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

export class Migration20261123000000_init extends Migration {
  override up(): void {
    this.addSql(`create table ward (
      code text primary key check (code ~ '^[A-Z]+-W[0-9]{2,3}$'),
      number integer not null check (number > 0),
      name text not null,
      locality text not null,
      city_code text not null,${provenanceColumnsSql},
      unique (city_code, number) -- also serves \`wards(city)\` in number order
    )`);

    this.addSql(`create table vending_zone (
      id text primary key check (id ~ '^VZ-[A-Z]+-[0-9]{4}$'),
      name text not null,
      city_code text not null,
      ward_code text not null references ward (code),
      zone_type text not null check (zone_type in ('VENDING', 'RESTRICTED_VENDING', 'NO_VENDING')),
      capacity integer not null check (capacity >= 0),${provenanceColumnsSql},
      unique (city_code, name),
      check (zone_type <> 'NO_VENDING' or capacity = 0)
    )`);
    // The filters \`vendingZones\` offers, each usable with keyset paging on id.
    this.addSql(`create index vending_zone_city_idx on vending_zone (city_code, id)`);
    this.addSql(`create index vending_zone_ward_idx on vending_zone (ward_code, id)`);

    this.addSql(`create table vending_certificate (
      certificate_number text primary key check (certificate_number ~ '^[A-Z]+/SVC/[0-9]{4}/[0-9]{6,}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      vending_zone_id text not null references vending_zone (id),
      category text not null check (category in ('STATIONARY', 'MOBILE')),
      goods text not null,
      issued_on date not null,
      valid_until date not null,
      status text not null check (status in ('ACTIVE', 'SUSPENDED', 'CANCELLED')),${provenanceColumnsSql},
      check (valid_until > issued_on)
    )`);
    this.addSql(`create index vending_certificate_worker_idx on vending_certificate (worker_id)`);
    // A zone's occupancy (active, unexpired certificates) is counted before every issue.
    this.addSql(`create index vending_certificate_zone_idx on vending_certificate (vending_zone_id, status, valid_until)`);
    this.addSql(`create sequence vending_certificate_number_seq`);

    this.addSql(`create table trade_licence (
      licence_number text primary key check (licence_number ~ '^[A-Z]+/TL/[0-9]{4}/[0-9]{6,}$'),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      trade_name text not null,
      trade_category text not null check (trade_category in ('FOOD_AND_BEVERAGES', 'GENERAL_STORE',
        'FRUITS_VEGETABLES_AND_FLOWERS', 'TAILORING_AND_GARMENTS', 'HANDICRAFTS', 'FOOD_PROCESSING', 'REPAIR_SERVICES')),
      ward_code text not null references ward (code),
      issued_on date not null,
      valid_until date not null,
      status text not null check (status in ('ACTIVE', 'SUSPENDED', 'CANCELLED')),${provenanceColumnsSql},
      check (valid_until > issued_on)
    )`);
    this.addSql(`create index trade_licence_worker_idx on trade_licence (worker_id)`);
    this.addSql(`create index trade_licence_ward_idx on trade_licence (ward_code)`);
    this.addSql(`create sequence trade_licence_number_seq`);

    this.addSql(`create table sanitation_worker_id (
      id_number text primary key check (id_number ~ '^[A-Z]+/SW/[0-9]{6,}$'),
      worker_id text not null unique check (worker_id ~ '^W-[0-9]{7}$'), -- one card per worker
      employer text not null,
      ward_code text not null references ward (code),
      issued_on date not null,${provenanceColumnsSql}
    )`);
    this.addSql(`create index sanitation_worker_id_ward_idx on sanitation_worker_id (ward_code)`);
    this.addSql(`create sequence sanitation_worker_id_number_seq`);
  }
}
