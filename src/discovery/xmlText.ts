/**
 * A tiny, tolerant reader for the SOAP that cameras speak (ONVIF, WS-Discovery).
 *
 * Why not a full XML parser: everything we read is small, flat and untrusted.
 * We only need "the text of element X" and "attribute Y of element X", by local
 * name, ignoring namespace prefixes (cameras disagree on them). DOCTYPE and
 * ENTITY declarations are refused before anything else so an entity bomb never
 * gets expanded, and nothing here recurses or builds a tree.
 */

export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
}

export interface XmlElement {
  /** Local name (prefix stripped), as written. */
  readonly localName: string;
  /** Attributes by local name (prefix stripped); values entity-decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  /** Raw inner XML, not decoded; empty for `<x/>`. */
  readonly inner: string;
}

/** Throws UnsafeXmlError for documents carrying a DTD (the way entity bombs and XXE arrive). */
export function assertSafeXml(xml: string): void {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new UnsafeXmlError('XML with a DOCTYPE or ENTITY declaration is refused (possible entity expansion attack)');
  }
}

/** A tag as the scanner met it: `<name attrs>`, `<name attrs/>` or `</name>`. */
interface Tag {
  readonly kind: 'open' | 'close';
  readonly localName: string;
  /** Index of the `<`. */
  readonly start: number;
  /** Index just past the `>`. */
  readonly end: number;
  readonly selfClosing: boolean;
  /** Raw attribute text (open tags only). */
  readonly rawAttributes: string;
}

/**
 * Every tag of the document, in order, in one forward pass: each `indexOf` starts where
 * the previous one stopped, so the cost is linear in the input whatever it holds (the
 * regex this replaced rescanned to the end for every unclosed opener: 1 s at 128 KiB).
 * Comments, CDATA sections, processing instructions and declarations are skipped whole;
 * an unterminated one ends the document. `onText` receives the character data between tags.
 */
function scanTags(
  xml: string,
  onTag: (tag: Tag) => boolean | void,
  onText?: (from: number, to: number, cdata: boolean) => void,
  /** Only tags with this local name reach onTag (the others are still skipped correctly). */
  onlyName?: string,
): void {
  let pos = 0;
  const length = xml.length;
  while (pos < length) {
    const lt = xml.indexOf('<', pos);
    if (lt === -1) {
      onText?.(pos, length, false);
      return;
    }
    if (lt > pos) onText?.(pos, lt, false);
    if (xml.startsWith('<!--', lt)) {
      const close = xml.indexOf('-->', lt + 4);
      if (close === -1) return;
      pos = close + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      const close = xml.indexOf(']]>', lt + 9);
      if (close === -1) return;
      onText?.(lt + 9, close, true);
      pos = close + 3;
      continue;
    }
    if (xml.startsWith('<?', lt)) {
      const close = xml.indexOf('?>', lt + 2);
      if (close === -1) return;
      pos = close + 2;
      continue;
    }
    if (xml.startsWith('<!', lt)) {
      const close = xml.indexOf('>', lt + 2);
      if (close === -1) return;
      pos = close + 1;
      continue;
    }
    const closing = xml.charCodeAt(lt + 1) === 0x2f; // '/'
    const nameStart = closing ? lt + 2 : lt + 1;
    let nameEnd = nameStart;
    while (nameEnd < length && isNameChar(xml.charCodeAt(nameEnd))) nameEnd += 1;
    if (nameEnd === nameStart) {
      // A stray '<' (not markup): treat it as text and move on by one character.
      onText?.(lt, lt + 1, false);
      pos = lt + 1;
      continue;
    }
    const gt = tagEnd(xml, nameEnd);
    if (gt === -1) return;
    const qualified = xml.slice(nameStart, nameEnd);
    const colon = qualified.indexOf(':');
    const localName = colon === -1 ? qualified : qualified.slice(colon + 1);
    if (onlyName !== undefined && localName !== onlyName) {
      pos = gt + 1;
      continue;
    }
    const selfClosing = !closing && xml.charCodeAt(gt - 1) === 0x2f;
    const tag: Tag = {
      kind: closing ? 'close' : 'open',
      localName,
      start: lt,
      end: gt + 1,
      selfClosing,
      rawAttributes: closing ? '' : xml.slice(nameEnd, selfClosing ? gt - 1 : gt),
    };
    if (onTag(tag) === false) return;
    pos = gt + 1;
  }
}

/** Index of the `>` closing a tag whose name ends at `from`, skipping quoted attribute values; -1 if none. */
function tagEnd(xml: string, from: number): number {
  for (let i = from; i < xml.length; i += 1) {
    const ch = xml.charCodeAt(i);
    if (ch === 0x3e) return i; // '>'
    if (ch === 0x22 || ch === 0x27) {
      i = xml.indexOf(ch === 0x22 ? '"' : "'", i + 1);
      if (i === -1) return -1;
    }
  }
  return -1;
}

function isNameChar(ch: number): boolean {
  return (
    (ch >= 0x61 && ch <= 0x7a) || // a-z
    (ch >= 0x41 && ch <= 0x5a) || // A-Z
    (ch >= 0x30 && ch <= 0x39) || // 0-9
    ch === 0x5f || ch === 0x2d || ch === 0x2e || ch === 0x3a // _ - . :
  );
}

/**
 * Every element with this local name, in document order, outermost first. Elements
 * inside comments or CDATA are not elements; an opener that is never closed is dropped.
 */
export function findElements(xml: string, localName: string, limit = Number.POSITIVE_INFINITY): XmlElement[] {
  const found: XmlElement[] = [];
  // Open tags of this name not yet closed, innermost last.
  const open: Tag[] = [];
  // Closed elements nested in a still-open one wait here, in case the outer is never closed.
  let nested: XmlElement[] = [];
  scanTags(xml, (tag) => {
    if (tag.localName !== localName) return;
    if (tag.kind === 'open') {
      if (tag.selfClosing) {
        const element = { localName, attributes: parseAttributes(tag.rawAttributes), inner: '' };
        if (open.length === 0) found.push(element);
        else if (open.length === 1) nested.push(element);
      } else {
        open.push(tag);
      }
    } else {
      const opener = open.pop();
      if (opener === undefined) return;
      const element = { localName, attributes: parseAttributes(opener.rawAttributes), inner: xml.slice(opener.end, tag.start) };
      if (open.length === 0) {
        found.push(element);
        nested = [];
      } else if (open.length === 1) {
        nested.push(element);
      }
    }
    return found.length < limit;
  }, undefined, localName);
  // An unclosed outer element: keep what was complete inside it.
  if (open.length > 0) found.push(...nested);
  return found.slice(0, limit);
}

export function findElement(xml: string, localName: string): XmlElement | undefined {
  return findElements(xml, localName, 1)[0];
}

/** Decoded, trimmed text of the first element with this local name, or undefined. */
export function elementText(xml: string, localName: string): string | undefined {
  const element = findElement(xml, localName);
  return element === undefined ? undefined : textOf(element);
}

/** Decoded, trimmed text of every element with this local name. */
export function elementTexts(xml: string, localName: string): string[] {
  return findElements(xml, localName).map(textOf);
}

/** Decoded text content of an element: tags and comments removed, CDATA kept verbatim, entities decoded, trimmed. */
export function textOf(element: XmlElement): string {
  const inner = element.inner;
  let text = '';
  scanTags(
    inner,
    () => undefined,
    (from, to, cdata) => {
      const part = inner.slice(from, to);
      text += cdata ? part : decodeEntities(part);
    },
  );
  return text.trim();
}

/** Local name of the first element child of the SOAP Body, e.g. "GetProfiles" or "Probe". */
export function firstBodyChildName(xml: string): string | undefined {
  const body = findElement(xml, 'Body');
  if (body === undefined) return undefined;
  let name: string | undefined;
  scanTags(body.inner, (tag) => {
    if (tag.kind !== 'open') return;
    name = tag.localName;
    return false;
  });
  return name;
}

/** Attributes of a tag, by local name; one forward pass (a regex here backtracked on unclosed quotes). */
function parseAttributes(raw: string): Map<string, string> {
  const attributes = new Map<string, string>();
  let pos = 0;
  const length = raw.length;
  while (pos < length) {
    while (pos < length && !isNameChar(raw.charCodeAt(pos))) pos += 1;
    const nameStart = pos;
    while (pos < length && isNameChar(raw.charCodeAt(pos))) pos += 1;
    if (pos === nameStart) break;
    const qualified = raw.slice(nameStart, pos);
    while (pos < length && isSpace(raw.charCodeAt(pos))) pos += 1;
    if (raw[pos] !== '=') continue;
    pos += 1;
    while (pos < length && isSpace(raw.charCodeAt(pos))) pos += 1;
    const quote = raw[pos];
    if (quote !== '"' && quote !== "'") continue;
    const close = raw.indexOf(quote, pos + 1);
    if (close === -1) break;
    const colon = qualified.indexOf(':');
    const key = colon === -1 ? qualified : qualified.slice(colon + 1);
    if (key.length > 0) attributes.set(key, decodeEntities(raw.slice(pos + 1, close)));
    pos = close + 1;
  }
  return attributes;
}

function isSpace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d;
}

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (all, entity: string) => {
    if (entity.startsWith('#x')) return safeCodePoint(parseInt(entity.slice(2), 16), all);
    if (entity.startsWith('#')) return safeCodePoint(parseInt(entity.slice(1), 10), all);
    return namedEntities[entity] ?? all;
  });
}

function safeCodePoint(codePoint: number, fallback: string): string {
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : fallback;
}

const xmlEscapes: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** Escape text for element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => xmlEscapes[ch] ?? ch);
}
