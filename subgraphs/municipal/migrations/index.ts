import { Migration20261123000000_init } from './Migration20261123000000_init.js';
import { Migration20261123120000_history } from './Migration20261123120000_history.js';
import { Migration20261202000000_svanidhi_loan } from './Migration20261202000000_svanidhi_loan.js';

/** Listed explicitly so migrations run the same under tsx, ts-jest and a bundle. */
export const migrations = [
  { name: 'Migration20261123000000_init', class: Migration20261123000000_init },
  { name: 'Migration20261123120000_history', class: Migration20261123120000_history },
  { name: 'Migration20261202000000_svanidhi_loan', class: Migration20261202000000_svanidhi_loan },
];
