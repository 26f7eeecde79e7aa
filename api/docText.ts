/**
 * The words of the OpenAPI document (GET /docs) in both languages: Chinese by default, English for a
 * client that asks for it (`Accept-Language: en`, read as the problems read it: `langOf`).
 *
 * Every summary, description and title the API writes into the document is a `docText`: the Chinese,
 * which the document carries, with its English beside it in the source. The document is generated once
 * in Chinese; `documentInEnglish` gives the same document with each of those texts in English. Field names,
 * paths, codes and enum values are the same in both.
 */

declare const docTextBrand: unique symbol;
/** A text of the document, in Chinese, whose English is known (`docText`). */
export type DocText = string & { readonly [docTextBrand]: true };

const ENGLISH = new Map<string, string>();

/** A text of the document: its Chinese, and the English an English reader gets in its place. */
export function docText(zh: string, en: string): DocText {
  const known = ENGLISH.get(zh);
  // One Chinese text, two meanings in English: the English document could show only one of them.
  if (known !== undefined && known !== en) throw new Error(`OpenAPI: two English texts for 「${zh}」: ${known} / ${en}`);
  ENGLISH.set(zh, en);
  return zh as DocText;
}

/** The English of a text of the document. */
export function englishOf(text: DocText): string {
  const en = ENGLISH.get(text);
  if (en === undefined) throw new Error(`OpenAPI: no English for 「${text}」`);
  return en;
}

/** The keys whose text the document says in words (of an operation, a response, a parameter, a schema, `info`). */
const WORDS = new Set(['summary', 'description', 'title']);

/** The document in English: each summary, description and title the API wrote, in its English; all else as it is. */
export function documentInEnglish(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && WORDS.has(key) ? (ENGLISH.get(value) ?? value) : value;
  if (Array.isArray(value)) return value.map((item) => documentInEnglish(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, documentInEnglish(v, k)]));
  return value;
}
