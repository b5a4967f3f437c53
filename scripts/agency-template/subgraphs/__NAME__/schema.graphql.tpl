extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@composeDirective"])
  @link(url: "https://workergraph.in/access/v1.0", import: ["@access"])
  @composeDirective(name: "@access")

# Scaffolded by `npm run agency:new`. This file is __TITLE__'s contract with the hub: replace the
# example enrolment with the records the agency owns, then run
#   npm run schema:check -- __NAME__ subgraphs/__NAME__/schema.graphql
# and, once it passes, `AGENCY=__NAME__ npm run codegen && npm run compose`.
# Keep the head above and the shared value types at the end exactly as every agency has them.

"""
Who may read a field. `allow` lists who reads the value in full, each `<agency>:<role>` (either
side may be `*`); everyone else gets the value masked in the named style (`last4`, `initials`,
`all`) or, without `mask`, null and a FORBIDDEN error. Enforced by the subgraph that owns the
field, and checked first by the gateway.
"""
directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION

"""
__TITLE__ subgraph: the source of truth for the enrolments of workers in __TITLE__'s
programmes, each held in the city where the worker was enrolled.

Personal data: a worker's enrolments are read by officers, services and auditors of any agency,
not by analysts; an enrolment's `reference` (the number in __TITLE__'s own system) is shown in
full to __TITLE__ staff only.
"""
type Query {
  """
  One enrolment by id (e.g. `__UPPER__-0000042`). Null when no enrolment has that id, or it lies
  outside your jurisdiction. Personal data: for officers, services and auditors, not analysts.
  """
  __CAMEL__Enrolment(id: ID!): __PASCAL__Enrolment @access(allow: ["*:officer", "*:service", "*:auditor"])
}

"""
Every write takes an optional `idempotencyKey`, so that it is safe to send again after a lost
connection: a key of your choosing (8 to 100 letters, digits, `_`, `-`, `:` or `.`), new for each
write you mean to make. Sent again with the same key and the same arguments while the key is kept
(24 hours unless the hub says otherwise), the write is not made a second time: the answer is the
record the first request wrote, as it stands now. The same key with other arguments is refused
(CONFLICT, `extensions.reason: IDEMPOTENCY_KEY_REUSED`), as is a repeat that the first request,
still running, does not finish in time for (`IDEMPOTENCY_KEY_IN_PROGRESS`). Keys are yours alone:
another caller's key never answers your request.
"""
type Mutation {
  """
  Enrols a registered worker in one of __TITLE__'s programmes, in a city within your
  jurisdiction. A worker holds at most one enrolment per programme. Labour must know the worker
  (as you see it).
  """
  enrolIn__PASCAL__(input: EnrolIn__PASCAL__Input!, idempotencyKey: ID): __PASCAL__Enrolment! @access(allow: ["__NAME__:officer", "__NAME__:service"])
}

"An urban informal worker, known to __TITLE__ only by the id Labour issued."
type Worker @key(fields: "id") {
  "Labour's worker id, e.g. `W-0000042`."
  id: ID!
  """
  The worker's __TITLE__ enrolments within your jurisdiction, oldest first; null when __TITLE__
  cannot answer. Personal data: for officers, services and auditors, not analysts.
  """
  __CAMEL__Enrolments: [__PASCAL__Enrolment!] @access(allow: ["*:officer", "*:service", "*:auditor"])
}

"A worker's enrolment in a __TITLE__ programme."
type __PASCAL__Enrolment @key(fields: "id") {
  "Stable id, e.g. `__UPPER__-0000042`."
  id: ID!
  "The enrolled worker."
  worker: Worker!
  "The programme the worker is enrolled in, as __TITLE__ names it."
  programme: String!
  "The city (urban local body) the enrolment is held in; jurisdictions are checked against it."
  city: City!
  "When the worker was enrolled."
  enrolledOn: Date!
  """
  The worker's reference number in __TITLE__'s own system (a card or case number).
  Sensitive: in full for __TITLE__ officers and services; everyone else sees the last four characters.
  """
  reference: String! @access(allow: ["__NAME__:officer", "__NAME__:service"], mask: "last4")
  "Where this record came from and who last changed it."
  source: Source!
  "This record's change history, oldest first: who changed what, when, for what purpose."
  history: [RecordChange!] @access(allow: ["__NAME__:officer", "__NAME__:service", "*:auditor"])
}

"A worker to enrol."
input EnrolIn__PASCAL__Input {
  "The registered worker, e.g. `W-0000042`."
  workerId: ID!
  "The programme, as __TITLE__ names it (at most 120 characters)."
  programme: String!
  "ULB code of the city the enrolment is held in, e.g. `VJA`: within your jurisdiction."
  city: ID!
  "The worker's reference number in __TITLE__'s own system: 6 to 20 letters, digits and hyphens."
  reference: String!
  "Not in the future."
  enrolledOn: Date!
}

# The value types every agency shares, exactly as the others declare them (@shareable types must
# agree across subgraphs).

"An urban local body (city). Filters and jurisdictions use its code."
type City @shareable {
  "ULB code, e.g. `VJA` (Vijayawada) or `GVMC` (Greater Visakhapatnam)."
  code: ID!
  "The city's name."
  name: String!
}

"Relay page information."
type PageInfo @shareable {
  hasNextPage: Boolean!
  "Pass as `after` to get the next page; null on an empty page."
  endCursor: String
}

"""
Where an agency record came from: the agency that owns it, the system it was captured in, and
who recorded and last changed it. Every agency's records carry one.
"""
type Source @shareable {
  "The owning agency, e.g. `labour`."
  agency: String!
  "The agency's system of record, e.g. `e-Shram` or `Worker Graph`."
  system: String!
  "The record's id in the owning agency."
  recordId: ID!
  recordedAt: DateTime!
  recordedBy: String!
  updatedAt: DateTime!
  updatedBy: String
}

"One change to an agency record, from the agency's append-only change history."
type RecordChange @shareable {
  "When the change was made."
  at: DateTime!
  "Who made it: `agency:subject` of the caller the gateway vouched for, or `database:<user>` for a change made outside the graph."
  by: String!
  "The purpose the caller declared, e.g. `cig-follow-up`."
  purpose: String
  action: ChangeAction!
  "The fields that changed, with their values before and after (every field for CREATED and DELETED)."
  changes: [FieldChange!]!
}

"What a change did to a record."
enum ChangeAction {
  CREATED
  UPDATED
  DELETED
}

"One field's value before and after a change, as text; sensitive values are masked as the field itself is."
type FieldChange @shareable {
  field: String!
  oldValue: String
  newValue: String
}

scalar Date
scalar DateTime
