/**
 * The single window (issue 12), end to end through the real gateway, real subgraph servers and
 * real PostgreSQL: every scheme's eligibility and enrolment for a sample of workers against an
 * oracle written here from each agency's own rows in SQL (the catalogue's published conditions
 * written again in plain code), worklists and their pages against the same oracle, a ward CRP's
 * jurisdiction, the follow-up story from list to visit to enrolment to removal from the list,
 * convergence figures (perturbed like every report), bad input, and the catalogue's refusals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cell, CellKeyMethod } from '../src/shared/cell-key';
import { config } from '../src/shared/config';
import { CatalogueError, compileCatalogue, publishedFacts, readSchemeCatalogue, type SchemeEntry } from '../src/shared/schemes';
import { errorCodes, everyPage, startTestStack, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;
let cellKeys: CellKeyMethod;

beforeAll(async () => {
  stack = await startTestStack('schemes', { as: { agency: 'mepma', role: 'officer', purpose: 'Scheme enrolment' } });
  cellKeys = new CellKeyMethod(stack.cellKeySecret, config.reportMinimumCount);
});
afterAll(() => stack?.stop());

function sql<T = any>(agency: string, query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get(agency)!.database.orm.em.getConnection().execute(query, params);
}

async function ids(agency: string, query: string): Promise<Set<string>> {
  return new Set((await sql<{ worker_id: string }>(agency, query)).map((row) => row.worker_id));
}

interface OracleWorker {
  id: string;
  age: number;
  occupation: string;
  city: string;
  ward: string;
}

/** Each scheme's eligibility and enrolment, from the agencies' rows and the published conditions. */
async function oracle() {
  const workers = await sql<OracleWorker>(
    'labour',
    `select id, date_part('year', age(current_date, date_of_birth))::int as age, occupation, city_code as city, ward_code as ward
     from worker where registered_on <= current_date order by id`,
  );
  const active = await sql<{ worker_id: string; scheme: string }>('labour', `select worker_id, scheme from social_security_enrolment where status = 'ACTIVE' and enrolled_on <= current_date`);
  const enrolledIn = (scheme: string) => new Set(active.filter((row) => row.scheme === scheme).map((row) => row.worker_id));
  const account = await ids('mepma', `select worker_id from savings_account where opened_on <= current_date`);
  const member = await ids('mepma', `select worker_id from cig_membership where left_on is null and joined_on <= current_date`);
  const bankLinked = await ids('mepma', `select m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id where m.left_on is null and m.joined_on <= current_date and b.linked_on <= current_date`);
  const saved = await ids('mepma', `select m.worker_id from cig_membership m join savings_deposit s on s.membership_id = m.id where m.left_on is null and m.joined_on <= current_date and s.deposited_on <= current_date`);
  const creditLinked = await ids(
    'mepma',
    `select m.worker_id from cig_membership m join credit_linkage l on l.cig_id = m.cig_id
     where m.left_on is null and m.joined_on <= current_date and l.status in ('SANCTIONED', 'DISBURSED', 'REPAID') and l.sanctioned_on <= current_date`,
  );
  const mother = await ids('icds', `select worker_id from icds_enrolment where relation_to_worker = 'SELF' and status = 'ACTIVE' and beneficiary_type in ('PREGNANT_WOMAN', 'LACTATING_MOTHER')`);
  const pmmvy = await ids('icds', `select worker_id from icds_enrolment where relation_to_worker = 'SELF' and pmmvy_instalments_paid >= 1`);
  const certificate = await ids('municipal', `select worker_id from vending_certificate where status = 'ACTIVE' and issued_on <= current_date and valid_until >= current_date`);
  const loan = await ids('municipal', `select worker_id from svanidhi_loan where sanctioned_on <= current_date`);

  const between = (w: OracleWorker, low: number, high: number) => w.age >= low && w.age <= high;
  const rules: Record<string, { eligible: (w: OracleWorker) => boolean; enrolled: Set<string> }> = {
    PM_SYM: { eligible: (w) => between(w, 18, 40) && account.has(w.id), enrolled: enrolledIn('PM_SYM') },
    APY: { eligible: (w) => between(w, 18, 40) && account.has(w.id), enrolled: enrolledIn('APY') },
    PMSBY: { eligible: (w) => between(w, 18, 70) && account.has(w.id), enrolled: enrolledIn('PMSBY') },
    PMJJBY: { eligible: (w) => between(w, 18, 50) && account.has(w.id), enrolled: enrolledIn('PMJJBY') },
    BOCW: { eligible: (w) => w.occupation === 'CONSTRUCTION' && between(w, 18, 60), enrolled: enrolledIn('BOCW') },
    PMMVY: { eligible: (w) => mother.has(w.id) && w.age >= 19, enrolled: pmmvy },
    PM_SVANIDHI: { eligible: (w) => w.occupation === 'STREET_VENDOR' && certificate.has(w.id), enrolled: loan },
    CIG_BANK_LINKAGE: { eligible: (w) => member.has(w.id), enrolled: bankLinked },
    CIG_CREDIT_LINKAGE: { eligible: (w) => bankLinked.has(w.id) && saved.has(w.id), enrolled: creditLinked },
  };
  const worklist = (scheme: string, where: (w: OracleWorker) => boolean = () => true) =>
    workers.filter((w) => where(w) && rules[scheme].eligible(w) && !rules[scheme].enrolled.has(w.id)).map((w) => w.id);
  return { workers, rules, worklist, account };
}

const SCHEMES = `query($id: ID!) { worker(id: $id) { id schemes { scheme { id title enrolledBy } eligible enrolled status reasons missing { fact heldBy explanation } } } }`;
const WORKLIST = `query($scheme: ID!, $filter: WorklistFilter, $first: Int, $after: String) {
  eligibleNotEnrolled(scheme: $scheme, filter: $filter, first: $first, after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}`;

describe('one worker’s schemes', () => {
  it('answers every scheme as the agencies’ rows say, for a sample including the edge ages', async () => {
    const { workers, rules } = await oracle();
    expect(Object.keys(rules)).toEqual(readSchemeCatalogue().map((scheme) => scheme.id));
    // Every fifteenth worker, and the workers on either side of each published age limit.
    const edges = [17, 18, 19, 40, 41, 50, 51, 60, 61].map((age) => workers.find((w) => w.age === age)).filter((w) => w !== undefined);
    const sample = [...new Set([...workers.filter((_, i) => i % 15 === 0), ...edges])];
    expect(edges.map((w) => w.age)).toEqual(expect.arrayContaining([40, 41, 50, 51]));
    for (const worker of sample) {
      const { data, errors } = await stack.query(SCHEMES, { id: worker.id });
      expect(errors).toBeUndefined();
      for (const answer of data.worker.schemes) {
        const rule = rules[answer.scheme.id];
        const eligible = rule.eligible(worker);
        const enrolled = rule.enrolled.has(worker.id);
        expect({ worker: worker.id, scheme: answer.scheme.id, eligible: answer.eligible, enrolled: answer.enrolled }).toEqual({ worker: worker.id, scheme: answer.scheme.id, eligible, enrolled });
        expect(answer.status).toBe(enrolled ? 'ENROLLED' : eligible ? 'ELIGIBLE' : 'NOT_ELIGIBLE');
        if (!enrolled) expect(answer.reasons.length).toBeGreaterThan(0);
      }
    }
  });

  it('says why not in words a CRP can read out, naming who holds the missing fact', async () => {
    const { workers, account } = await oracle();
    const old = workers.find((w) => w.age > 40 && account.has(w.id))!;
    const pension = (await stack.query(SCHEMES, { id: old.id })).data.worker.schemes.find((s: any) => s.scheme.id === 'PM_SYM');
    expect(pension).toMatchObject({ eligible: false, status: 'NOT_ELIGIBLE', reasons: [`aged ${old.age}: PM-SYM enrols 18 to 40`], missing: [] });
    const noAccount = workers.find((w) => w.age >= 18 && w.age <= 70 && !account.has(w.id))!;
    const insurance = (await stack.query(SCHEMES, { id: noAccount.id })).data.worker.schemes.find((s: any) => s.scheme.id === 'PMSBY');
    expect(insurance.reasons).toEqual(['needs a savings bank account: MEPMA holds none for this worker']);
    expect(insurance.missing).toEqual([{ fact: 'mepma.savingsAccount', heldBy: 'mepma', explanation: 'needs a savings bank account: MEPMA holds none for this worker' }]);
  });

  it('answers UNKNOWN, naming the agency, where an agency does not share a fact with the caller', async () => {
    const { workers } = await oracle();
    // ICDS shares pregnancy and PMMVY payments with officers, CRPs and auditors, not with services.
    const { data, errors } = await stack.query(SCHEMES, { id: workers[0].id }, { role: 'service' });
    expect(errors).toBeUndefined();
    const maternity = data.worker.schemes.find((s: any) => s.scheme.id === 'PMMVY');
    expect(maternity).toMatchObject({ status: 'UNKNOWN', eligible: null, enrolled: null });
    expect(maternity.reasons.join(' ')).toMatch(/ICDS does not share/);
  });

  it('is not for analysts', async () => {
    const { workers } = await oracle();
    const response = await stack.query(SCHEMES, { id: workers[0].id }, { role: 'analyst' });
    expect(errorCodes(response)).toContain('FORBIDDEN');
  });
});

describe('worklists', () => {
  it('lists exactly the eligible and not enrolled, in pages whose total matches SQL', async () => {
    const { worklist } = await oracle();
    for (const scheme of ['PMSBY', 'BOCW', 'CIG_BANK_LINKAGE']) {
      const expected = worklist(scheme, (w) => w.city === 'VJA');
      const { nodes, totals, pages } = await everyPage(stack, WORKLIST, 'eligibleNotEnrolled', { scheme, filter: { city: 'VJA' }, first: 7 });
      expect(nodes.map((node) => node.id)).toEqual(expected);
      expect(totals).toEqual([expected.length]);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
    }
  });

  it('keeps a ward CRP to their ward', async () => {
    const { workers, worklist } = await oracle();
    const ward = busiestWard(worklist('PMSBY'), workers);
    const crp: CallerSpec = { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, subject: 'crp-ward' };
    const { nodes, totals } = await everyPage(stack, WORKLIST, 'eligibleNotEnrolled', { scheme: 'PMSBY', first: 50 }, crp);
    const expected = worklist('PMSBY', (w) => w.ward === ward);
    expect(nodes.map((node) => node.id)).toEqual(expected);
    expect(totals).toEqual([expected.length]);
    const otherWard = workers.find((w) => w.city === ward.split('-')[0] && w.ward !== ward)!;
    expect(errorCodes(await stack.query(WORKLIST, { scheme: 'PMSBY', filter: { ward: otherWard.ward } }, crp))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await stack.query(WORKLIST, { scheme: 'PMSBY', filter: { city: ward.startsWith('VJA') ? 'GVMC' : 'VJA' } }, crp))).toEqual(['FORBIDDEN']);
    // A worker of another ward is, to this CRP, a worker who does not exist.
    const other = await stack.query(`query($id: ID!) { worker(id: $id) { id } }`, { id: otherWard.id }, crp);
    expect(other.data?.worker ?? null).toBeNull();
    expect(errorCodes(other)).toEqual(['NOT_FOUND']);
  });

  it('is refused to analysts, and refuses an unknown scheme and a bad page', async () => {
    expect(errorCodes(await stack.query(WORKLIST, { scheme: 'PMSBY' }, { role: 'analyst' }))).toEqual(['FORBIDDEN']);
    const unknown = await stack.query(WORKLIST, { scheme: 'PM_KISAN' });
    expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0].message).toMatch(/PM_KISAN/);
    expect(errorCodes(await stack.query(WORKLIST, { scheme: 'PMSBY', first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(WORKLIST, { scheme: 'PMSBY', after: 'not-a-cursor' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('writes every listed worker to the access log', async () => {
    const { data } = await stack.query(`query { eligibleNotEnrolled(scheme: "PMSBY", first: 5) { edges { cursor } } }`, {}, { subject: 'worklist-auditee' });
    expect(data.eligibleNotEnrolled.edges).toHaveLength(5);
    const [entry] = await stack.audit.log.fork().getConnection().execute(`select * from access_log where caller_subject = 'worklist-auditee' and outcome = 'ok'`);
    const listed = data.eligibleNotEnrolled.edges.map((edge: any) => Buffer.from(edge.cursor, 'base64url').toString().slice(2));
    expect([...entry.worker_ids].sort()).toEqual(listed.sort());
  });
});

/** The ward with the most workers on a list: where a CRP has the most to do. */
function busiestWard(listed: string[], workers: OracleWorker[]): string {
  const counts = new Map<string, number>();
  for (const id of listed) {
    const ward = workers.find((w) => w.id === id)!.ward;
    counts.set(ward, (counts.get(ward) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

describe('the follow-up story: list, visit, enrolment, off the list', () => {
  const VISIT = `mutation($input: RecordVisitInput!, $key: ID) { recordVisit(input: $input, idempotencyKey: $key) { id outcome visitedOn note } }`;
  const LIST_WITH_VISITS = `query($after: String) { eligibleNotEnrolled(scheme: "PMSBY", first: 100, after: $after) {
    totalCount edges { node { id name phone ward { code } lastVisit(scheme: "PMSBY") { outcome visitedOn note } } } pageInfo { hasNextPage endCursor } } }`;

  it('shows the CRP’s visit on the list, and drops the worker once Labour enrols them', async () => {
    const { workers, worklist } = await oracle();
    const ward = busiestWard(worklist('PMSBY'), workers);
    const crp: CallerSpec = { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, subject: 'crp-story' };
    const before = await everyPage(stack, LIST_WITH_VISITS, 'eligibleNotEnrolled', {}, crp);
    const visited = before.nodes[0];
    // What a CRP reads: name, ward, the phone's last four digits.
    expect(visited.name).toEqual(expect.any(String));
    expect(visited.phone).toMatch(/^\*{6}\d{4}$/);
    expect(visited.ward.code).toBe(ward);

    const input = { workerId: visited.id, scheme: 'PMSBY', outcome: 'APPLIED', visitedOn: new Date().toISOString().slice(0, 10), note: 'Form filled; passbook copy taken' };
    const recorded = await stack.query(VISIT, { input, key: `visit-${visited.id}` }, crp);
    expect(recorded.errors).toBeUndefined();
    const after = await everyPage(stack, LIST_WITH_VISITS, 'eligibleNotEnrolled', {}, crp);
    expect(after.nodes.find((node) => node.id === visited.id).lastVisit).toEqual({ outcome: 'APPLIED', visitedOn: input.visitedOn, note: input.note });

    // Labour enrols the worker: the list is Labour's records and MEPMA's facts as they stand now.
    const enrolled = await stack.query(
      `mutation($input: EnrolInSchemeInput!) { enrolInScheme(input: $input) { id } }`,
      { input: { workerId: visited.id, scheme: 'PMSBY', enrolledOn: input.visitedOn, schemeReference: 'PMSBY-STORY-1' } },
      { agency: 'labour', role: 'officer' },
    );
    expect(enrolled.errors).toBeUndefined();
    const finally_ = await everyPage(stack, LIST_WITH_VISITS, 'eligibleNotEnrolled', {}, crp);
    expect(finally_.nodes.map((node) => node.id)).not.toContain(visited.id);
    expect(finally_.totals).toEqual([before.totals[0] - 1]);
  });

  it('refuses a visit a CRP may not record, writing nothing', async () => {
    const { workers, worklist } = await oracle();
    const ward = busiestWard(worklist('PMSBY'), workers);
    const crp: CallerSpec = { agency: 'mepma', role: 'crp', jurisdiction: `ward:${ward}`, subject: 'crp-refused' };
    const mine = workers.find((w) => w.ward === ward)!;
    const elsewhere = workers.find((w) => w.ward !== ward)!;
    const today = new Date().toISOString().slice(0, 10);
    const visit = (input: Record<string, unknown>, key?: string) => stack.query(VISIT, { input: { workerId: mine.id, scheme: 'PMSBY', outcome: 'INFORMED', visitedOn: today, ...input }, key }, crp);
    const count = async () => Number((await sql('mepma', `select count(*) as n from visit`))[0].n);
    const start = await count();
    expect(errorCodes(await visit({ workerId: elsewhere.id }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await visit({ visitedOn: '2999-01-01' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await visit({ scheme: 'PM_KISAN' }))).toEqual(['BAD_USER_INPUT']);
    expect(await count()).toBe(start);
    const first = await visit({ note: 'first' }, 'crp-refused-key-1');
    expect(first.errors).toBeUndefined();
    const again = await visit({ note: 'first' }, 'crp-refused-key-1');
    expect(again.data.recordVisit.id).toBe(first.data.recordVisit.id);
    const reused = await visit({ note: 'something else' }, 'crp-refused-key-1');
    expect(errorCodes(reused)).toEqual(['CONFLICT']);
    expect(reused.errors![0].extensions!.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count()).toBe(start + 1);
    // A CRP writes visits and nothing else.
    const cig = await stack.query(`mutation { recordSavings(input: { cigId: "CIG-000001", workerId: "W-0000001", amount: 100, depositedOn: "${today}" }) { id } }`, {}, crp);
    expect(errorCodes(cig)).toContain('FORBIDDEN');
  });
});

describe('convergence figures', () => {
  const CONVERGENCE = `query($groupBy: [CoverageDimension!]!, $schemes: [ID!]) { convergence(groupBy: $groupBy, schemes: $schemes) {
    rows { city { code } ward { code } occupation figures { scheme { id } eligible enrolled gap withheldFacts } }
    total { figures { scheme { id } eligible enrolled gap withheldFacts } } } }`;

  /** A count of workers as the reports publish it: perturbed by their record keys. */
  function published(workerIds: string[]): number {
    const cell = new Cell();
    for (const id of workerIds) cell.add(cellKeys.workerKey(Number(id.slice(2))));
    return cellKeys.publish(cell);
  }

  it('counts eligible, enrolled and gap per scheme and ward, perturbed as every report is', async () => {
    const { workers, rules } = await oracle();
    const { data, errors } = await stack.query(CONVERGENCE, { groupBy: ['WARD'], schemes: ['PMSBY', 'PM_SVANIDHI'] }, { role: 'analyst', purpose: 'Statistics' });
    expect(errors).toBeUndefined();
    for (const row of data.convergence.rows) {
      const inWard = workers.filter((w) => w.ward === row.ward.code);
      for (const figure of row.figures) {
        const rule = rules[figure.scheme.id];
        const eligible = inWard.filter((w) => rule.eligible(w));
        const enrolled = eligible.filter((w) => rule.enrolled.has(w.id));
        const gap = eligible.filter((w) => !rule.enrolled.has(w.id));
        expect(figure).toEqual({
          scheme: { id: figure.scheme.id },
          eligible: published(eligible.map((w) => w.id)),
          enrolled: Math.min(published(enrolled.map((w) => w.id)), published(eligible.map((w) => w.id))),
          gap: published(gap.map((w) => w.id)),
          withheldFacts: [],
        });
      }
    }
    expect(new Set(data.convergence.rows.map((row: any) => row.ward.code)).size).toBe(new Set(workers.map((w) => w.ward)).size);
  });

  it('counts social security among the workers eligible for a Labour scheme', async () => {
    const { workers, rules } = await oracle();
    const labourSchemes = ['PM_SYM', 'APY', 'PMSBY', 'PMJJBY', 'BOCW'];
    const among = workers.filter((w) => labourSchemes.some((id) => rules[id].eligible(w) || rules[id].enrolled.has(w.id)));
    const { data } = await stack.query(`query { coverage(indicators: [SOCIAL_SECURITY]) { total { figures { eligible } } } }`, {}, { role: 'analyst', purpose: 'Statistics' });
    expect(among.length).toBeLessThan(workers.length);
    expect(data.coverage.total.figures[0].eligible).toBe(published(among.map((w) => w.id)));
  });
});

describe('the catalogue', () => {
  const catalogue = readSchemeCatalogue();
  const facts = publishedFacts();
  const withRule = (change: Partial<SchemeEntry>): SchemeEntry[] => [{ ...catalogue[0], ...change }];
  const problemsOf = (entries: SchemeEntry[]) => {
    try {
      compileCatalogue(entries, facts);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogueError);
      return (error as CatalogueError).problems;
    }
  };

  it('checks against the facts the agencies publish', () => {
    expect(problemsOf(catalogue)).toEqual([]);
  });

  it.each([
    ['a rule that does not parse', { eligibility: [{ when: 'labour.age >=', otherwise: 'x' }] }, /scheme PM_SYM, condition 1 \(labour\.age >=\)/],
    ['an unknown fact', { eligibility: [{ when: 'mepma.bankAccount', otherwise: 'x' }] }, /scheme PM_SYM, condition 1: mepma publishes no fact "bankAccount" \(its facts: .*savingsAccount/],
    ['an unknown agency', { eligibility: [{ when: 'epfo.member', otherwise: 'x' }] }, /scheme PM_SYM, condition 1: "epfo\.member" names the agency "epfo", which is not in the registry/],
    ['an unknown enrolling agency', { enrolledBy: 'pfrda' }, /scheme PM_SYM: enrolledBy names "pfrda"/],
    ['enrolment read from another agency', { enrolled: 'mepma.cigMember' }, /scheme PM_SYM, enrolled: reads mepma\.cigMember, but enrolment is read from labour's own records only/],
    ['a value an enum never holds', { eligibility: [{ when: 'labour.occupation == "CONSTRUCTON"', otherwise: 'x' }] }, /labour\.occupation is never "CONSTRUCTON"/],
    ['a rule that is not a yes or no', { eligibility: [{ when: 'labour.age + 1', otherwise: 'x' }] }, /gives int, not a yes or no/],
  ])('refuses %s, naming the scheme and the fact', (_what, change, message) => {
    const problems = problemsOf(withRule(change as Partial<SchemeEntry>));
    expect(problems.join('\n')).toMatch(message as RegExp);
  });

  it('stops composition when a rule does not check', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'schemes-'));
    const file = path.join(dir, 'schemes.yaml');
    writeFileSync(file, readFileSync(path.join(__dirname, '..', 'schema', 'schemes.yaml'), 'utf8').replace('mepma.savingsAccount', 'mepma.savingAccount'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', '--check'], { cwd: path.join(__dirname, '..'), env: { ...process.env, SCHEME_CATALOGUE: file }, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/scheme PM_SYM, condition 2: mepma publishes no fact "savingAccount"/);
  });
});
