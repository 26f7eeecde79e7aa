/**
 * What projections read of an event: the metadata the engine stamps on every case event
 * (engine/events.ts `CaseEventMetadata`), declared here structurally because projections/ may not
 * import engine/ (ARCHITECTURE.md). Only the fields a read model needs; the engine's type is a
 * superset, so the two stay compatible as long as these fields keep their meaning.
 */
import type { RecordedEvent } from '../eventstore/types.js';
import { isIdNumber, isPlainObject, namelessPerson, summaryInBrief } from '../machines/schemas.js';
import { registry } from '../machines/registry.js';
import { caseOfStream, isCaseStream } from '../machines/streams.js';
import type { CaseSummary } from '../machines/types.js';

/** An open work item as the engine stamps it when a stage is entered. */
export interface TaskFacts {
  stage: string;
  label: string;
  role: string;
  org: string;
  orgs: string[];
  enteredAt: string;
  /** Absent for a notice that is information only. */
  dueAt?: string;
  dueDate?: string;
  basis?: string;
  article?: string;
  provisional?: boolean;
  calendarVersion?: string;
  countsFrom?: string;
}

export interface TaskClosedFacts {
  stage: string;
  completedAt: string;
  /** Closed without its work being done (engine/events.ts `TaskClosed`). */
  cancelled?: true;
}

export interface DeadlineFacts {
  dueAt: string;
  dueDate: string;
  provisional: boolean;
  calendarVersion: string;
}

export interface DeadlineRestatedFacts {
  stage: string;
  old: DeadlineFacts;
  new: DeadlineFacts;
}

/** An open task handed to the organisation the directory names now (engine/events.ts `TaskReassigned`). */
export interface TaskReassignedFacts {
  stage: string;
  old: { org: string; orgs: string[] };
  new: { org: string; orgs: string[] };
}

export interface PartiesFacts {
  providerOrg?: string;
  applicantOrg?: string;
  region?: string;
}

/** The case's summary as its events stamp it (machines `CaseSummary`; a natural person's name is not spelled out in supervisors' reports, `personalName`). */
export type SummaryFacts = CaseSummary;

export interface ActorFacts {
  sub: string;
  name?: string;
  role: string;
  org: string;
}

/** The metadata of a case event (engine/events.ts `CaseEventMetadata`, the fields read models use). */
export interface CaseFacts {
  caseId: string;
  process: string;
  machine: { name: string; version: number };
  actor: ActorFacts;
  command: string;
  at: string;
  correlationId?: string;
  causationId?: string;
  stateBefore: string | null;
  stateAfter: string;
  final: boolean;
  tasksOpened: TaskFacts[];
  tasksClosed: TaskClosedFacts[];
  deadlinesRestated?: DeadlineRestatedFacts[];
  tasksReassigned?: TaskReassignedFacts[];
  /** The cases a command named (CommandSpec.link), each with its process and its state then. */
  links?: Record<string, { process: string; state: string }>;
  parties: PartiesFacts;
  summary: SummaryFacts;
  calendarVersion?: string;
  prevHash: string;
  hash: string;
}

/** A case id as the engine makes them (a UUID): `calendar-notices` is a stream of the same form, and no case's. */
const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROCESSES = new Set(registry.names());

/**
 * The process and case of a case's stream as the engine names them (`<process>-<caseId>`, machines/streams.ts), of a
 * process registered; undefined for any other stream (another program's, in a shared EventStoreDB: orders-<uuid>).
 */
export function ourCaseOfStream(streamId: string): { process: string; caseId: string } | undefined {
  const stream = caseOfStream(streamId);
  return stream !== undefined && PROCESSES.has(stream.process) && CASE_ID.test(stream.caseId) ? stream : undefined;
}

/**
 * The case metadata of an event, or undefined for an event that belongs to no case (the
 * `calendar-notices` stream, anything foreign in `$all`): read models skip those.
 */
export function caseFacts(event: RecordedEvent): CaseFacts | undefined {
  const m = event.metadata as Partial<CaseFacts> | undefined;
  if (!m || typeof m.caseId !== 'string' || typeof m.process !== 'string') return undefined;
  if (isCaseStream(event.streamId, m.process, m.caseId)) return m as CaseFacts;
  // Its stream is another case's (an event copied there: compliance QA): it is that case's event. Filed
  // under the case it names, the intact case it came from read as cut short (503 eventsMissing). The read
  // models skip it all the same (`unfoldableFact`); the history and verify read it as the stream's.
  // Only in a stream of ours: another program's (orders-<uuid>) that carries a case's metadata is no case (QA-D).
  const stream = ourCaseOfStream(event.streamId);
  return stream ? ({ ...m, ...stream } as CaseFacts) : undefined;
}

/** A stored summary, without `undefined` fields, so an inline event and its JSON round trip store the same text. */
export function summaryJson(summary: SummaryFacts | undefined): string {
  return JSON.stringify({
    title: summary?.title ?? '',
    ...(summary?.applicant !== undefined ? { applicant: summary.applicant } : {}),
    ...(summary?.provider !== undefined ? { provider: summary.provider } : {}),
    // A number only: the metadata may be another build's, or altered.
    ...(typeof summary?.returns === 'number' ? { returns: summary.returns } : {}),
  });
}

/**
 * A stored summary (`summaryJson`) as a row shows it. Events keep the summary their build wrote, and
 * a build before d51d3e6 named a person who objected from a token with no name claim by the ID number
 * in full, and one before 812e718 kept a form's names whole (10,000 characters each: a page of 50 rows
 * was 3 MB): every row of the inbox and case list went on showing them after the upgrade (and a
 * rebuild, which reads the same events). Such a summary is shown as today's build writes it: the
 * applicant masked (个人信息保护法 第六条), its names cut at `SUMMARY_TEXT_MAX`.
 */
export function shownSummary(stored: string): SummaryFacts {
  const summary = JSON.parse(stored) as SummaryFacts;
  const shown = summaryInBrief(summary);
  if (typeof summary.applicant === 'string' && isIdNumber(summary.applicant)) shown.applicant = namelessPerson(summary.applicant);
  return shown;
}

/** An instant as canonical UTC ISO-8601 (`toISOString`), so stored times compare as text. */
export function isoInstant(input: string | Date, what = 'instant'): string {
  const ms = input instanceof Date ? input.getTime() : Date.parse(input);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an instant: ${String(input)}`);
  return new Date(ms).toISOString();
}

/** Whether `value` is an instant `storedInstant` takes: canonical (as the engine stamps it), or one it normalises. */
function isStoredInstant(value: unknown): boolean {
  return typeof value === 'string' && (isCanonicalInstant(value) || !Number.isNaN(Date.parse(value)));
}

/** An instant as the engine stamps it (`toISOString`): taken as it is. */
function isCanonicalInstant(value: string): boolean {
  return value.length === 24 && value.endsWith('Z');
}

/** The objects of a list of facts, or undefined when it is not a list of objects (absent: none). */
function factsList(value: unknown): Record<string, unknown>[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v !== null)) return undefined;
  return value as Record<string, unknown>[];
}

/**
 * The field of a case event's metadata the read models cannot fold, when one is not what the engine
 * writes (changed in the store: an instant that is no instant, a list that is none, an event copied from
 * another case); undefined when all can be. Compliance QA follow-up: an event whose `at` was changed to
 * text made every fold throw (a rebuild failed, leaving every read model answering 503 for good) and cut
 * the export at it.
 */
export function unfoldableFact(event: RecordedEvent): string | undefined {
  return unwritableFact(event) ?? copiedFact(event);
}

/**
 * Of a case event's stream, the field naming another case than the stream's — an event copied there from
 * another case, which the engine never writes — else undefined. Folded as the stream's case's, its parties
 * became the case's: another city's auditor saw the case while its own city's got 404 (QA of the
 * compliance changes). The read models skip it; a history shows it as stored, and verify names it (engine/fold.ts
 * `otherCaseNamed`), its hash computed again or not.
 */
function copiedFact(event: RecordedEvent): 'caseId' | 'process' | undefined {
  const named = event.metadata as Partial<Pick<CaseFacts, 'caseId' | 'process'>> | undefined;
  if (typeof named?.caseId !== 'string' || typeof named.process !== 'string' || isCaseStream(event.streamId, named.process, named.caseId)) return undefined;
  const stream = ourCaseOfStream(event.streamId);
  if (!stream) return undefined;
  return stream.caseId === named.caseId ? 'process' : 'caseId';
}

/**
 * The field of a case event's metadata that a history cannot show as the engine writes it (an instant that
 * is no instant, a list that is none, metadata that names no case), else undefined (`unfoldableFact`).
 */
export function unwritableFact(event: RecordedEvent): string | undefined {
  const f = caseFacts(event) as unknown as Record<string, unknown> | undefined;
  // An event of a case's stream whose metadata is no object (null, text, a list), or an object naming no case (`{}`):
  // skipped silently as no case's event before (QA of that change: left out of the export, the history one short).
  // Another program's event (a stream of no process of ours, in a shared EventStoreDB) is skipped as before.
  if (!f) {
    if (!ourCaseOfStream(event.streamId)) return undefined;
    const m = event.metadata;
    return !isPlainObject(m) ? 'metadata' : typeof m.caseId !== 'string' ? 'caseId' : 'process';
  }
  if (!isStoredInstant(f.at)) return 'at';
  const actor = f.actor;
  // QA of that change: an actor of null threw in the export's line, and cut the file for every viewer.
  if (!isPlainObject(actor) || typeof actor.sub !== 'string' || typeof actor.role !== 'string' || typeof actor.org !== 'string') return 'actor';
  const opened = factsList(f.tasksOpened);
  if (!opened || !opened.every((t) => isStoredInstant(t.enteredAt) && (t.dueAt === undefined || isStoredInstant(t.dueAt)))) return 'tasksOpened';
  const closed = factsList(f.tasksClosed);
  if (!closed || !closed.every((c) => isStoredInstant(c.completedAt))) return 'tasksClosed';
  const restated = factsList(f.deadlinesRestated);
  if (!restated || !restated.every((r) => isPlainObject(r.new) && isStoredInstant(r.new.dueAt))) return 'deadlinesRestated';
  if (!factsList(f.tasksReassigned)) return 'tasksReassigned';
  return undefined;
}

/** A stored instant: canonical already (the engine stamps `toISOString`), else normalised. */
export function storedInstant(value: string): string {
  return isCanonicalInstant(value) ? value : isoInstant(value);
}
