/**
 * A case's stream: `<process>-<caseId>` (EventStoreDB's `$ce-<process>` category streams work). Its
 * case is the stream's, whatever an event in it says: an event copied into another case's stream says
 * the case it was copied from (compliance QA), and is that stream's all the same — the one verify
 * names, and the one the read models and an export's lines file it under.
 */
export function caseStream(process: string, caseId: string): string {
  return `${process}-${caseId}`;
}

/** Whether `streamId` is `caseStream(process, caseId)`, compared in place: asked for every event a read model folds, it makes no string. */
export function isCaseStream(streamId: string, process: string, caseId: string): boolean {
  return streamId.length === process.length + 1 + caseId.length && streamId[process.length] === '-' && streamId.startsWith(process) && streamId.endsWith(caseId);
}

/** The process and case of a case's stream (`caseStream`); undefined for a stream of no case (no dash). Process names have none. */
export function caseOfStream(streamId: string): { process: string; caseId: string } | undefined {
  const dash = streamId.indexOf('-');
  if (dash <= 0 || dash === streamId.length - 1) return undefined;
  return { process: streamId.slice(0, dash), caseId: streamId.slice(dash + 1) };
}
