/**
 * Checks values against the OpenAPI document's own schemas with Ajv (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1), `$ref`s into the document's components included.
 * `closed`: an object schema that lists `properties` refuses any other member even when it does not
 * say `additionalProperties: false` (as `unevaluatedProperties: false`), so that a test finds a field
 * an answer has and its schema does not.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type Schema = Record<string, any>;

export interface CheckOptions {
  closed?: boolean;
}

const DOC_ID = 'https://openapi.invalid/doc';

/** A deep copy of `node` with local `$ref`s pointing into the document, and, when `closed`, object schemas closed. */
function prepared(node: unknown, closed: boolean): unknown {
  if (Array.isArray(node)) return node.map((child) => prepared(child, closed));
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [key, child] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof child === 'string' && child.startsWith('#/') ? `${DOC_ID}${child}` : prepared(child, closed);
  }
  const additional = out.additionalProperties;
  const open = additional === undefined || additional === true || (typeof additional === 'object' && Object.keys(additional as object).length === 0);
  if (closed && open && out.type === 'object' && out.properties && out.unevaluatedProperties === undefined) {
    delete out.additionalProperties;
    out.unevaluatedProperties = false;
  }
  return out;
}

const validators = new WeakMap<Schema, { open: Ajv2020; closed: Ajv2020 }>();

function ajvFor(doc: Schema, closed: boolean): Ajv2020 {
  let pair = validators.get(doc);
  if (!pair) {
    const make = (closing: boolean) => {
      // strict: false — the document's schemas carry OpenAPI's own keywords (discriminator, example).
      const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
      ajv.addSchema({ $id: DOC_ID, components: prepared(doc.components ?? {}, closing) });
      return ajv;
    };
    pair = { open: make(false), closed: make(true) };
    validators.set(doc, pair);
  }
  return closed ? pair.closed : pair.open;
}

/** Resolves `#/components/schemas/<id>` (and any other local pointer) in `doc`. */
export function resolve(doc: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`not a local $ref: ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Schema | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (node === undefined) throw new Error(`unresolved $ref: ${ref}`);
  }
  return node as Schema;
}

const compiled = new WeakMap<Schema, { open?: ValidateFunction; closed?: ValidateFunction }>();

/** Every way `value` fails `schema` (empty when it matches), each with its JSON path. */
export function check(doc: Schema, schema: Schema | boolean, value: unknown, options: CheckOptions = {}): string[] {
  const closed = options.closed === true;
  const compile = () => ajvFor(doc, closed).compile(prepared(schema, closed) as Schema);
  let validate: ValidateFunction;
  if (typeof schema === 'boolean') validate = compile();
  else {
    // A schema of the document is compiled once (a conformance test checks hundreds of answers against it).
    const byMode = compiled.get(schema) ?? {};
    validate = byMode[closed ? 'closed' : 'open'] ??= compile();
    compiled.set(schema, byMode);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `$${e.instancePath}: ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Every `$ref` in `node`, with where it is. */
export function refsIn(node: unknown, path = '$', found: { path: string; ref: string }[] = []): { path: string; ref: string }[] {
  if (Array.isArray(node)) node.forEach((child, i) => refsIn(child, `${path}[${i}]`, found));
  else if (node !== null && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' && typeof child === 'string') found.push({ path, ref: child });
      else refsIn(child, `${path}.${key}`, found);
    }
  }
  return found;
}
