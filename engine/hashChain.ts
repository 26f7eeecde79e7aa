import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so the same event always hashes alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    // No prototype: a stored member named `__proto__` (JSON.parse makes it an own key) is then copied
    // as a key, not taken as the object's prototype and left out of the hash — tampering that added
    // one to an event's data or metadata would otherwise verify.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export const GENESIS_HASH = '0'.repeat(64);

/** What a hash covers: the event as the engine wrote it, its place in the stream, and the previous hash (inside metadata). */
export interface HashedContent {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  /** Metadata without `hash`; it carries `prevHash`. */
  metadata: Record<string, unknown>;
}

/** SHA-256 over the canonical event and the previous hash (ARCHITECTURE.md "One stream per case"). */
export function eventHash(content: HashedContent): string {
  const { hash: _ignored, ...metadata } = content.metadata;
  return createHash('sha256').update(canonicalJson({ ...content, metadata })).digest('hex');
}
