{
  "Worker": "../../../src/shared/worker-reference.js#WorkerReference",
  "__PASCAL__Enrolment": "../entities.js#__PASCAL__Enrolment",
  "Source": "../../../src/shared/provenance.js#SourceValue",
  "RecordChange": "../../../src/shared/history.js#RecordChangeValue"
}
