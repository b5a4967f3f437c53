import { Migration } from '@mikro-orm/migrations';
import { provenanceColumnsSql } from '../../../src/shared/provenance.js';

export class Migration20261123000000_init extends Migration {
  override up(): void {
    this.addSql(`create sequence cig_number_seq`);
    this.addSql(`create table cig (
      id text primary key check (id ~ '^CIG-[0-9]{6,}$'),
      name text not null,
      occupation text not null check (occupation in
        ('CONSTRUCTION', 'GIG', 'DOMESTIC', 'CARE', 'WASTE', 'TRANSPORT', 'STREET_VENDOR', 'HOME_BASED')),
      work_location text not null,
      work_location_kind text not null check (work_location_kind in
        ('AUTO_STAND', 'DELIVERY_HUB', 'RESIDENTIAL_CLUSTER', 'WASTE_COLLECTION_POINT', 'LABOUR_ADDA', 'VENDING_ZONE', 'HOME_CLUSTER')),
      city_code text not null,
      ward_code text not null check (ward_code like city_code || '-W%'),
      formed_on date not null,${provenanceColumnsSql}
    )`);
    // The filters `cigs` offers, each usable with keyset paging on id.
    this.addSql(`create index cig_city_idx on cig (city_code, id)`);
    this.addSql(`create index cig_ward_idx on cig (ward_code, id)`);
    this.addSql(`create index cig_occupation_idx on cig (occupation, city_code, id)`);
    this.addSql(`create index cig_work_location_kind_idx on cig (work_location_kind, city_code, id)`);

    this.addSql(`create sequence cig_membership_number_seq`);
    this.addSql(`create table cig_membership (
      id text primary key,
      cig_id text not null references cig (id),
      worker_id text not null check (worker_id ~ '^W-[0-9]{7}$'),
      role text not null check (role in ('PRESIDENT', 'SECRETARY', 'TREASURER', 'MEMBER')),
      joined_on date not null,
      left_on date check (left_on >= joined_on),${provenanceColumnsSql},
      -- Lets a savings deposit name its membership, CIG and worker together, consistently.
      unique (id, cig_id, worker_id)
    )`);
    this.addSql(`create index cig_membership_cig_idx on cig_membership (cig_id)`);
    this.addSql(`create index cig_membership_worker_idx on cig_membership (worker_id)`);
    // A worker is an active member of one CIG at a time; former memberships stay as history.
    this.addSql(`create unique index cig_membership_active_worker_uq on cig_membership (worker_id) where left_on is null`);
    // Each office has at most one active holder per CIG.
    this.addSql(`create unique index cig_membership_office_uq on cig_membership (cig_id, role)
      where left_on is null and role <> 'MEMBER'`);

    this.addSql(`create sequence bank_linkage_number_seq`);
    this.addSql(`create table bank_linkage (
      id text primary key,
      cig_id text not null unique references cig (id),
      bank_name text not null,
      branch_ifsc text not null check (branch_ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
      account_last4 text not null check (account_last4 ~ '^[0-9]{4}$'),
      linked_on date not null,${provenanceColumnsSql}
    )`);

    this.addSql(`create sequence savings_deposit_number_seq`);
    this.addSql(`create table savings_deposit (
      id text primary key,
      cig_id text not null,
      membership_id text not null,
      worker_id text not null,
      amount integer not null check (amount between 1 and 100000),
      deposited_on date not null,${provenanceColumnsSql},
      foreign key (membership_id, cig_id, worker_id) references cig_membership (id, cig_id, worker_id)
    )`);
    // Serves a CIG's recent deposits (newest first) and its savings totals.
    this.addSql(`create index savings_deposit_cig_idx on savings_deposit (cig_id, deposited_on desc, id desc)`);

    this.addSql(`create sequence credit_linkage_number_seq`);
    this.addSql(`create table credit_linkage (
      id text primary key,
      cig_id text not null references cig (id),
      lender text not null,
      amount integer not null check (amount between 1 and 1000000),
      sanctioned_on date not null,
      purpose text not null,
      status text not null check (status in ('SANCTIONED', 'DISBURSED', 'REPAID', 'OVERDUE')),${provenanceColumnsSql}
    )`);
    this.addSql(`create index credit_linkage_cig_idx on credit_linkage (cig_id)`);
  }
}
