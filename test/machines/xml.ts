/**
 * A small, strict XML reader for tests (no dependency): elements, attributes and text, with
 * well-formedness checked — one root, balanced and properly nested tags, quoted and unique
 * attributes, known entities only. Throws on the first error. Enough to check generated BPMN.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, where: string): string {
  return text.replace(/&([^;]*);?/g, (match, entity: string) => {
    if (!match.endsWith(';')) throw new Error(`bare & in ${where}`);
    if (entity in ENTITIES) return ENTITIES[entity] ?? '';
    if (/^#\d+$/.test(entity)) return String.fromCodePoint(Number(entity.slice(1)));
    if (/^#x[\da-f]+$/i.test(entity)) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    throw new Error(`unknown entity &${entity}; in ${where}`);
  });
}

function parseAttributes(source: string, tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = /\s*([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/y;
  let rest = source;
  while (rest.trim() !== '') {
    pattern.lastIndex = 0;
    const match = pattern.exec(rest);
    if (!match) throw new Error(`malformed attributes in <${tag}>: ${rest.trim()}`);
    const [, name = '', , double, single] = match;
    if (!NAME.test(name)) throw new Error(`bad attribute name ${name} in <${tag}>`);
    if (name in attributes) throw new Error(`duplicate attribute ${name} in <${tag}>`);
    const value = double ?? single ?? '';
    if (value.includes('<')) throw new Error(`< in attribute ${name} of <${tag}>`);
    attributes[name] = decode(value, `${tag}@${name}`);
    rest = rest.slice(match[0].length);
  }
  return attributes;
}

/** Parses `source` into its root element, or throws. */
export function parseXml(source: string): XmlElement {
  let rest = source.replace(/^\uFEFF/, '');
  const declaration = /^<\?xml[^?]*\?>/.exec(rest);
  if (declaration) rest = rest.slice(declaration[0].length);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt === -1 ? rest : rest.slice(0, lt);
    if (text.trim() !== '') {
      const parent = stack.at(-1);
      if (!parent) throw new Error(`text outside the root: ${text.trim().slice(0, 40)}`);
      if (text.includes('>')) throw new Error(`stray > in text of <${parent.name}>`);
      parent.text += decode(text, parent.name);
    }
    if (lt === -1) break;
    rest = rest.slice(lt);
    if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end === -1) throw new Error('unterminated comment');
      rest = rest.slice(end + 3);
      continue;
    }
    const gt = rest.indexOf('>');
    if (gt === -1) throw new Error('unterminated tag');
    const tag = rest.slice(1, gt);
    rest = rest.slice(gt + 1);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^\S+/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) throw new Error(`bad element name <${name}>`);
    const element: XmlElement = { name, attributes: parseAttributes(body.slice(name.length), name), children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else if (root) throw new Error(`second root <${name}>`);
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element below `element` (itself included), depth first. */
export function descendants(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(descendants)];
}
