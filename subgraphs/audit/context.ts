import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccessContext } from '../../src/shared/access/enforce.js';

export interface Context extends AccessContext {
  em: EntityManager;
}
