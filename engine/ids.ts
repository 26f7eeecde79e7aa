import { createHash, randomUUID } from 'node:crypto';
import { caseStream } from '../machines/streams.js';

/** One stream per case, `<process>-<caseId>` (machines/streams.ts). */
export const streamOf = caseStream;

const NAMESPACE = 'sd-open-data-workflow';

/**
 * A name-based UUID (RFC 9562 version 5 layout over SHA-1): the same name always gives the
 * same id, so a retried append or a second scheduler stores nothing twice.
 */
export function deterministicId(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update('\0').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function newId(): string {
  return randomUUID();
}
