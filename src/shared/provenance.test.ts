import DataLoader from 'dataloader';
import type { RecordChangeValue } from './history';
import { GRAPH_SOURCE_SYSTEM, recordFields, writtenThroughGraph, type HistoryContext } from './provenance';

const provenance = {
  sourceSystem: 'MEPMA MIS',
  recordedAt: new Date('2025-01-02T04:30:00Z'),
  recordedBy: 'mepma:import',
  updatedAt: new Date('2025-03-04T04:30:00Z'),
};

/** A change per key asked for, naming the key, so a test sees which keys the resolver used. */
function historyOf(asked: string[][]): HistoryContext {
  const history = new DataLoader<string, RecordChangeValue[]>(async (keys) => {
    asked.push([...keys]);
    return keys.map((key) => [{ at: provenance.recordedAt, by: key, purpose: null, action: 'CREATED' as const, changes: [] }]);
  });
  return { loaders: { history } };
}

describe('record fields', () => {
  it('give a record known by its id its source and its history under <table>:<id>', async () => {
    const fields = recordFields<typeof provenance & { id: string; name: string }>('mepma', 'cig');
    const cig = { id: 'CIG-000042', name: 'Benz Circle vendors', ...provenance, updatedBy: 'mepma:officer-7' };
    expect(fields.source(cig)).toEqual({
      agency: 'mepma',
      system: 'MEPMA MIS',
      recordId: 'CIG-000042',
      recordedAt: provenance.recordedAt,
      recordedBy: 'mepma:import',
      updatedAt: provenance.updatedAt,
      updatedBy: 'mepma:officer-7',
    });
    const asked: string[][] = [];
    const [change] = await fields.history(cig, {}, historyOf(asked));
    expect(change.by).toBe('cig:CIG-000042');
    expect(asked).toEqual([['cig:CIG-000042']]);
  });

  it('key a record known by a number of its own by that number, in source and history alike', async () => {
    const fields = recordFields('municipal', 'ward', (ward: typeof provenance & { code: string }) => ward.code);
    const ward = { code: 'VJA-W07', ...provenance };
    // A record never updated says so with null, not with a missing field.
    expect(fields.source(ward)).toMatchObject({ agency: 'municipal', recordId: 'VJA-W07', updatedBy: null });
    const asked: string[][] = [];
    const context = historyOf(asked);
    // One request's records batch into one look-up, as the loader's single query needs.
    const [first, second] = await Promise.all([fields.history(ward, {}, context), fields.history({ ...ward, code: 'VJA-W08' }, {}, context)]);
    expect([first[0].by, second[0].by]).toEqual(['ward:VJA-W07', 'ward:VJA-W08']);
    expect(asked).toEqual([['ward:VJA-W07', 'ward:VJA-W08']]);
  });
});

describe('a record written through the graph', () => {
  it('is in the graph source system, recorded by the caller the gateway vouched for', () => {
    expect(writtenThroughGraph({ actor: 'icds:officer-3', purpose: 'Enrolment' })).toEqual({
      sourceSystem: GRAPH_SOURCE_SYSTEM,
      recordedBy: 'icds:officer-3',
    });
    expect(GRAPH_SOURCE_SYSTEM).toBe('Worker Graph');
  });
});
