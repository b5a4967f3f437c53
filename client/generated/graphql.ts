/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CigFormationDimension =
  | 'CITY'
  /** Month of formation, e.g. `2024-03`. */
  | 'MONTH'
  | 'OCCUPATION'
  | 'WARD'
  | 'WORK_LOCATION_KIND';

export type CigFormationFilter = {
  /** A ULB code, e.g. `VJA`; it must lie within your jurisdiction. */
  city?: string | number | null | undefined;
  /** Formed on or after this day. */
  from?: string | null | undefined;
  occupation?: Occupation | null | undefined;
  /** Formed on or before this day. */
  to?: string | null | undefined;
};

/** Offices in a CIG. */
export type CigRole =
  /** An ordinary member. */
  | 'MEMBER'
  /** Leads the group and represents it. */
  | 'PRESIDENT'
  /** Keeps the group's minutes and records. */
  | 'SECRETARY'
  /** Keeps the group's accounts and handles its bank account. */
  | 'TREASURER';

export type CoverageDimension =
  | 'CITY'
  | 'OCCUPATION'
  | 'WARD';

/** A coverage figure: who is counted, and among whom. */
export type CoverageIndicator =
  /**
   * Households with an active anganwadi enrolment (ICDS), among households ICDS knows to have a
   * child under six or a mother who was pregnant or nursing in the last six years.
   */
  | 'ANGANWADI'
  /** Active members of a CIG that has a bank account (MEPMA), among all workers. */
  | 'BANK_LINKED'
  /** Active members of a CIG (MEPMA), among all workers. */
  | 'CIG_MEMBER'
  /** Active members of a CIG with a sanctioned or repaid loan (MEPMA), among all workers. */
  | 'CREDIT_LINKED'
  /** Transport workers holding a driving licence valid today (Transport), among transport workers. */
  | 'DRIVING_LICENCE'
  /** Active CIG members who have saved with their CIG (MEPMA), among all workers. */
  | 'SAVINGS'
  /**
   * Workers with an active social-security enrolment (Labour), among the workers eligible for or
   * enrolled in at least one of Labour's schemes in the catalogue (PM-SYM, APY, PMSBY, PMJJBY, BOCW).
   */
  | 'SOCIAL_SECURITY'
  /** Street vendors holding a vending certificate valid today (Municipal), among street vendors. */
  | 'VENDING_CERTIFICATE';

/** Documents that expire, and which agency issues them. */
export type DocumentKind =
  /** Driving licence (Transport). */
  | 'DRIVING_LICENCE'
  /** PSV badge for public-service vehicles (Transport). */
  | 'PSV_BADGE'
  /** Trade licence (Municipal). */
  | 'TRADE_LICENCE'
  /** Vehicle permit (Transport). */
  | 'VEHICLE_PERMIT'
  /** Street-vending certificate (Municipal). */
  | 'VENDING_CERTIFICATE';

export type EnrolmentStatus =
  | 'ACTIVE'
  | 'CLOSED'
  | 'LAPSED';

export type ExpiryDimension =
  | 'CITY'
  | 'DOCUMENT'
  /** The week of expiry, named by its Monday. */
  | 'WEEK';

export type ExpiryFilter = {
  /** A ULB code, e.g. `VJA`; it must lie within your jurisdiction. */
  city?: string | number | null | undefined;
  /** Only these kinds of document. */
  documents?: Array<DocumentKind> | null | undefined;
};

/** Occupational categories of urban informal workers under NULM 2.0. */
export type Occupation =
  | 'CARE'
  | 'CONSTRUCTION'
  | 'DOMESTIC'
  | 'GIG'
  | 'HOME_BASED'
  | 'STREET_VENDOR'
  | 'TRANSPORT'
  | 'WASTE';

/** A follow-up visit to a worker. */
export type RecordVisitInput = {
  /** ULB code of the visit, e.g. `VJA`: needed only when your jurisdiction covers more than one city. */
  city?: string | number | null | undefined;
  /** What the CRP noted, up to 500 characters. */
  note?: string | null | undefined;
  /** What came of the visit. */
  outcome: VisitOutcome;
  /** The scheme the visit was about: an id of the catalogue (schema/schemes.yaml), e.g. `PM_SYM`. */
  scheme: string | number;
  /** The day of the visit; not in the future. */
  visitedOn: string;
  /** Labour's worker id, e.g. `W-0000042`; a worker Labour shows you. */
  workerId: string | number;
};

/** Which workers a coverage report counts: all of them within your jurisdiction when empty. */
export type ReportFilter = {
  /** A ULB code, e.g. `VJA`; it must lie within your jurisdiction. */
  city?: string | number | null | undefined;
  occupation?: Occupation | null | undefined;
  /** A ward code, e.g. `VJA-W07`. */
  ward?: string | number | null | undefined;
};

/** Social-security schemes a worker can be enrolled in through the Labour Department. */
export type Scheme =
  /** Atal Pension Yojana. */
  | 'APY'
  /** Building and Other Construction Workers welfare board membership. */
  | 'BOCW'
  /** Pradhan Mantri Jeevan Jyoti Bima Yojana: life insurance. */
  | 'PMJJBY'
  /** Pradhan Mantri Suraksha Bima Yojana: accident insurance. */
  | 'PMSBY'
  /** Pradhan Mantri Shram Yogi Maan-dhan: contributory pension for workers aged 18–40. */
  | 'PM_SYM';

export type SchemeStatus =
  /** Eligible today and not enrolled: on the scheme's worklist. */
  | 'ELIGIBLE'
  /** Enrolled (whether or not still eligible today). */
  | 'ENROLLED'
  /** Not eligible today and not enrolled. */
  | 'NOT_ELIGIBLE'
  /** A fact the rule needs is not shared with you, so the answer is not known. */
  | 'UNKNOWN';

/** Classes of vehicle a driving licence authorises (Central Motor Vehicles Rules). */
export type VehicleClass =
  /** Battery-operated e-rickshaw. */
  | 'E_RICKSHAW'
  /** Light motor vehicle (car, jeep), non-transport. */
  | 'LMV'
  /** Light motor vehicle, transport: taxis and light goods vehicles for hire. */
  | 'LMV_TR'
  /** Motorcycle with gear. */
  | 'MCWG'
  /** Three-wheeler, transport: auto-rickshaws for hire. */
  | 'THREE_WHEELER_TR';

/** What came of a follow-up visit. */
export type VisitOutcome =
  /** The worker applied (or was helped to apply) to the enrolling agency. */
  | 'APPLIED'
  /** The worker does not want the scheme. */
  | 'DECLINED'
  /** The documents the scheme asks for were collected from the worker. */
  | 'DOCUMENTS_COLLECTED'
  /** The worker was told about the scheme and what to bring. */
  | 'INFORMED'
  /** The worker could not be found at the address or work location. */
  | 'NOT_FOUND';

/** Kinds of places CIGs are formed around. */
export type WorkLocationKind =
  /** An auto-rickshaw stand (transport workers). */
  | 'AUTO_STAND'
  /** A hub where delivery riders wait for orders (gig workers). */
  | 'DELIVERY_HUB'
  /** A cluster of homes where home-based workers live and work. */
  | 'HOME_CLUSTER'
  /** A labour adda where construction workers gather to be hired. */
  | 'LABOUR_ADDA'
  /** A residential colony where domestic and care workers are employed. */
  | 'RESIDENTIAL_CLUSTER'
  /** A street-vending zone notified by the municipality. */
  | 'VENDING_ZONE'
  /** A dry waste collection centre or waste collection point (waste pickers). */
  | 'WASTE_COLLECTION_POINT';

/** Which workers a worklist holds: all of them within your jurisdiction when empty. */
export type WorklistFilter = {
  /** A ULB code, e.g. `VJA`; it must lie within your jurisdiction. */
  city?: string | number | null | undefined;
  occupation?: Occupation | null | undefined;
  /** A ward code, e.g. `VJA-W07`; it must lie within your jurisdiction. */
  ward?: string | number | null | undefined;
};

export type CigFormationQueryVariables = Exact<{
  filter?: CigFormationFilter | null | undefined;
  groupBy: Array<CigFormationDimension> | CigFormationDimension;
}>;


export type CigFormationQuery = { cigFormation: { minimumCount: number, rows: Array<{ month: string | null, occupation: Occupation | null, workLocationKind: WorkLocationKind | null, cigs: number, members: number | null, suppressed: boolean, city: { code: string, name: string } | null, ward: { code: string } | null }>, total: { cigs: number, members: number | null, suppressed: boolean } } };

export type CigRosterQueryVariables = Exact<{
  id: string | number;
}>;


export type CigRosterQuery = { cig: { id: string, name: string, occupation: Occupation, memberCount: number, bankLinkage: { bankName: string, linkedOn: string } | null, members: Array<{ role: CigRole, joinedOn: string, worker: { id: string, name: string, phone: string } }> } | null };

export type CityCoverageQueryVariables = Exact<{
  city: string | number;
  occupation?: Occupation | null | undefined;
}>;


export type CityCoverageQuery = { coverage: { asOf: string, minimumCount: number, rows: Array<{ occupation: Occupation | null, workers: number | null, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null }> }>, total: { workers: number | null, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null }> } }, cigFormation: { rows: Array<{ occupation: Occupation | null, cigs: number, members: number | null }>, total: { cigs: number, members: number | null } } };

export type CoverageQueryVariables = Exact<{
  filter?: ReportFilter | null | undefined;
  groupBy: Array<CoverageDimension> | CoverageDimension;
  indicators?: Array<CoverageIndicator> | CoverageIndicator | null | undefined;
}>;


export type CoverageQuery = { coverage: { asOf: string, minimumCount: number, rows: Array<{ occupation: Occupation | null, workers: number | null, suppressed: boolean, city: { code: string, name: string } | null, ward: { code: string, name: string } | null, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null, suppressed: boolean }> }>, total: { workers: number | null, suppressed: boolean, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null, suppressed: boolean }> } } };

export type CrpWorklistQueryVariables = Exact<{
  scheme: string | number;
  filter?: WorklistFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CrpWorklistQuery = { eligibleNotEnrolled: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, name: string, phone: string, ward: { code: string, name: string }, lastVisit: { outcome: VisitOutcome | null, visitedOn: string | null, note: string | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DashboardQueryVariables = Exact<{
  filter?: ReportFilter | null | undefined;
  cigFilter?: CigFormationFilter | null | undefined;
  expiryFilter?: ExpiryFilter | null | undefined;
  withinDays: number;
}>;


export type DashboardQuery = { byOccupation: { asOf: string, minimumCount: number, rows: Array<{ occupation: Occupation | null, workers: number | null, suppressed: boolean, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null, suppressed: boolean }> }>, total: { workers: number | null, suppressed: boolean, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null, suppressed: boolean }> } }, byWard: { rows: Array<{ workers: number | null, suppressed: boolean, ward: { code: string, name: string } | null, figures: Array<{ indicator: CoverageIndicator, eligible: number | null, covered: number | null, ratio: number | null, suppressed: boolean }> }> }, cigFormation: { rows: Array<{ month: string | null, cigs: number, members: number | null, suppressed: boolean }>, total: { cigs: number, members: number | null, suppressed: boolean } }, expiringDocuments: { from: string, to: string, rows: Array<{ document: DocumentKind | null, week: string | null, count: number | null, suppressed: boolean }>, total: { count: number | null, suppressed: boolean } }, convergence: { total: { figures: Array<{ eligible: number | null, enrolled: number | null, gap: number | null, withheldFacts: Array<string>, scheme: { id: string, title: string, enrolledBy: string } }> } }, convergenceByWard: { rows: Array<{ ward: { code: string, name: string } | null, figures: Array<{ eligible: number | null, enrolled: number | null, gap: number | null, scheme: { id: string } }> }> } };

export type ExpiringDocumentsQueryVariables = Exact<{
  withinDays: number;
  filter?: ExpiryFilter | null | undefined;
  groupBy: Array<ExpiryDimension> | ExpiryDimension;
}>;


export type ExpiringDocumentsQuery = { expiringDocuments: { from: string, to: string, minimumCount: number, rows: Array<{ document: DocumentKind | null, week: string | null, count: number | null, suppressed: boolean, city: { code: string, name: string } | null }>, total: { count: number | null, suppressed: boolean } } };

export type LicenceCheckQueryVariables = Exact<{
  number: string | number;
}>;


export type LicenceCheckQuery = { drivingLicence: { licenceNumber: string, vehicleClasses: Array<VehicleClass>, validUntil: string, holder: { id: string, name: string } } | null };

export type RecordVisitMutationVariables = Exact<{
  input: RecordVisitInput;
  idempotencyKey?: string | number | null | undefined;
}>;


export type RecordVisitMutation = { recordVisit: { id: string | null, scheme: string | null, outcome: VisitOutcome | null, visitedOn: string | null, note: string | null } };

export type WorkerCardQueryVariables = Exact<{
  id: string | number;
}>;


export type WorkerCardQuery = { worker: { id: string, name: string, phone: string, occupation: Occupation, city: { code: string, name: string }, ward: { code: string, name: string }, socialSecurityEnrolments: Array<{ scheme: Scheme, status: EnrolmentStatus, enrolledOn: string }>, drivingLicences: Array<{ licenceNumber: string, validUntil: string }> | null, vendingCertificates: Array<{ certificateNumber: string, validUntil: string }> | null, cigMemberships: Array<{ role: CigRole, joinedOn: string, cig: { id: string, name: string, workLocation: string } }> | null } | null };

export type WorkerSchemesQueryVariables = Exact<{
  id: string | number;
}>;


export type WorkerSchemesQuery = { worker: { id: string, name: string, ward: { code: string, name: string }, schemes: Array<{ eligible: boolean | null, enrolled: boolean | null, status: SchemeStatus, reasons: Array<string>, scheme: { id: string, title: string, enrolledBy: string, bring: Array<string> }, missing: Array<{ fact: string, heldBy: string, explanation: string }> }> | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const CigFormationDocument = new TypedDocumentString(`
    query CigFormation($filter: CigFormationFilter, $groupBy: [CigFormationDimension!]!) {
  cigFormation(filter: $filter, groupBy: $groupBy) {
    minimumCount
    rows {
      month
      city {
        code
        name
      }
      ward {
        code
      }
      occupation
      workLocationKind
      cigs
      members
      suppressed
    }
    total {
      cigs
      members
      suppressed
    }
  }
}
    `, {"hash":"sha256:59e7c99863ca7c7b642a9c0ad587cc312256502b3a284f4b92e45176407e5963"}) as unknown as TypedDocumentString<CigFormationQuery, CigFormationQueryVariables>;
export const CigRosterDocument = new TypedDocumentString(`
    query CigRoster($id: ID!) {
  cig(id: $id) {
    id
    name
    occupation
    memberCount
    bankLinkage {
      bankName
      linkedOn
    }
    members {
      role
      joinedOn
      worker {
        id
        name
        phone
      }
    }
  }
}
    `, {"hash":"sha256:c1f8c5585bc6bc99713010fea34bfff0e3d93fa1a3b5856134fb387a83575fd8"}) as unknown as TypedDocumentString<CigRosterQuery, CigRosterQueryVariables>;
export const CityCoverageDocument = new TypedDocumentString(`
    query CityCoverage($city: ID!, $occupation: Occupation) {
  coverage(
    filter: {city: $city, occupation: $occupation}
    groupBy: [OCCUPATION]
    indicators: [CIG_MEMBER]
  ) {
    asOf
    minimumCount
    rows {
      occupation
      workers
      figures {
        indicator
        eligible
        covered
        ratio
      }
    }
    total {
      workers
      figures {
        indicator
        eligible
        covered
        ratio
      }
    }
  }
  cigFormation(
    filter: {city: $city, occupation: $occupation}
    groupBy: [OCCUPATION]
  ) {
    rows {
      occupation
      cigs
      members
    }
    total {
      cigs
      members
    }
  }
}
    `, {"hash":"sha256:045666bdc546dcdf3f94b70e18e9bae49874bcc8087adf7e89feef141a488c4e"}) as unknown as TypedDocumentString<CityCoverageQuery, CityCoverageQueryVariables>;
export const CoverageDocument = new TypedDocumentString(`
    query Coverage($filter: ReportFilter, $groupBy: [CoverageDimension!]!, $indicators: [CoverageIndicator!]) {
  coverage(filter: $filter, groupBy: $groupBy, indicators: $indicators) {
    asOf
    minimumCount
    rows {
      city {
        code
        name
      }
      ward {
        code
        name
      }
      occupation
      workers
      suppressed
      figures {
        indicator
        eligible
        covered
        ratio
        suppressed
      }
    }
    total {
      workers
      suppressed
      figures {
        indicator
        eligible
        covered
        ratio
        suppressed
      }
    }
  }
}
    `, {"hash":"sha256:16574eb768c24c1fa755883d219ab6a2af540e3fccf80b4b66768cc8c7c2b884"}) as unknown as TypedDocumentString<CoverageQuery, CoverageQueryVariables>;
export const CrpWorklistDocument = new TypedDocumentString(`
    query CrpWorklist($scheme: ID!, $filter: WorklistFilter, $first: Int, $after: String) {
  eligibleNotEnrolled(
    scheme: $scheme
    filter: $filter
    first: $first
    after: $after
  ) {
    totalCount
    edges {
      cursor
      node {
        id
        name
        phone
        ward {
          code
          name
        }
        lastVisit(scheme: $scheme) {
          outcome
          visitedOn
          note
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `, {"hash":"sha256:42917c747d34c55118a63526f8bb69e6877b55d81c896c01c52926ea6f65c46c"}) as unknown as TypedDocumentString<CrpWorklistQuery, CrpWorklistQueryVariables>;
export const DashboardDocument = new TypedDocumentString(`
    query Dashboard($filter: ReportFilter, $cigFilter: CigFormationFilter, $expiryFilter: ExpiryFilter, $withinDays: Int!) {
  byOccupation: coverage(filter: $filter, groupBy: [OCCUPATION]) {
    asOf
    minimumCount
    rows {
      occupation
      workers
      suppressed
      figures {
        indicator
        eligible
        covered
        ratio
        suppressed
      }
    }
    total {
      workers
      suppressed
      figures {
        indicator
        eligible
        covered
        ratio
        suppressed
      }
    }
  }
  byWard: coverage(
    filter: $filter
    groupBy: [WARD]
    indicators: [CIG_MEMBER, BANK_LINKED, SOCIAL_SECURITY]
  ) {
    rows {
      ward {
        code
        name
      }
      workers
      suppressed
      figures {
        indicator
        eligible
        covered
        ratio
        suppressed
      }
    }
  }
  cigFormation(filter: $cigFilter, groupBy: [MONTH]) {
    rows {
      month
      cigs
      members
      suppressed
    }
    total {
      cigs
      members
      suppressed
    }
  }
  expiringDocuments(
    withinDays: $withinDays
    filter: $expiryFilter
    groupBy: [DOCUMENT, WEEK]
  ) {
    from
    to
    rows {
      document
      week
      count
      suppressed
    }
    total {
      count
      suppressed
    }
  }
  convergence(filter: $filter) {
    total {
      figures {
        scheme {
          id
          title
          enrolledBy
        }
        eligible
        enrolled
        gap
        withheldFacts
      }
    }
  }
  convergenceByWard: convergence(filter: $filter, groupBy: [WARD]) {
    rows {
      ward {
        code
        name
      }
      figures {
        scheme {
          id
        }
        eligible
        enrolled
        gap
      }
    }
  }
}
    `, {"hash":"sha256:2dcefcfff6239b3dbd1bc0b0f453102746286a814012ffd29c22f3cb355415b8"}) as unknown as TypedDocumentString<DashboardQuery, DashboardQueryVariables>;
export const ExpiringDocumentsDocument = new TypedDocumentString(`
    query ExpiringDocuments($withinDays: Int!, $filter: ExpiryFilter, $groupBy: [ExpiryDimension!]!) {
  expiringDocuments(withinDays: $withinDays, filter: $filter, groupBy: $groupBy) {
    from
    to
    minimumCount
    rows {
      document
      city {
        code
        name
      }
      week
      count
      suppressed
    }
    total {
      count
      suppressed
    }
  }
}
    `, {"hash":"sha256:1b95036ca388c5fe8bbbfbf237243946967e5f8d21774a1a44752d56e85cf20f"}) as unknown as TypedDocumentString<ExpiringDocumentsQuery, ExpiringDocumentsQueryVariables>;
export const LicenceCheckDocument = new TypedDocumentString(`
    query LicenceCheck($number: ID!) {
  drivingLicence(licenceNumber: $number) {
    licenceNumber
    vehicleClasses
    validUntil
    holder {
      id
      name
    }
  }
}
    `, {"hash":"sha256:d32ddd34dd2e4472ff724aed038cf4d762fa41b4b6f4784c21f134ad029ee9bd"}) as unknown as TypedDocumentString<LicenceCheckQuery, LicenceCheckQueryVariables>;
export const RecordVisitDocument = new TypedDocumentString(`
    mutation RecordVisit($input: RecordVisitInput!, $idempotencyKey: ID) {
  recordVisit(input: $input, idempotencyKey: $idempotencyKey) {
    id
    scheme
    outcome
    visitedOn
    note
  }
}
    `, {"hash":"sha256:a2daeafb1882d357a424df0d734d6f2e60a0b7d88f5964e1180f011419df07a4"}) as unknown as TypedDocumentString<RecordVisitMutation, RecordVisitMutationVariables>;
export const WorkerCardDocument = new TypedDocumentString(`
    query WorkerCard($id: ID!) {
  worker(id: $id) {
    id
    name
    phone
    occupation
    city {
      code
      name
    }
    ward {
      code
      name
    }
    socialSecurityEnrolments {
      scheme
      status
      enrolledOn
    }
    drivingLicences {
      licenceNumber
      validUntil
    }
    vendingCertificates {
      certificateNumber
      validUntil
    }
    cigMemberships {
      role
      joinedOn
      cig {
        id
        name
        workLocation
      }
    }
  }
}
    `, {"hash":"sha256:49bd761791aeac316c12178fc7427632313398bd2d981dc0f69a80ece024febc"}) as unknown as TypedDocumentString<WorkerCardQuery, WorkerCardQueryVariables>;
export const WorkerSchemesDocument = new TypedDocumentString(`
    query WorkerSchemes($id: ID!) {
  worker(id: $id) {
    id
    name
    ward {
      code
      name
    }
    schemes {
      scheme {
        id
        title
        enrolledBy
        bring
      }
      eligible
      enrolled
      status
      reasons
      missing {
        fact
        heldBy
        explanation
      }
    }
  }
}
    `, {"hash":"sha256:2ea7aee6ed516d50072188781e1b8d07da967dd881042d44b57a8cf6403c387f"}) as unknown as TypedDocumentString<WorkerSchemesQuery, WorkerSchemesQueryVariables>;