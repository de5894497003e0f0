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

const namePattern = '[A-Za-z_][\\w.-]*';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every element with this local name, in document order, outermost first.
 * Nested elements of the same name are not supported (none of the messages we read have them).
 */
export function findElements(xml: string, localName: string): XmlElement[] {
  const name = escapeRegExp(localName);
  // <(prefix:)?Name attrs> ... </(prefix:)?Name>   or   <(prefix:)?Name attrs/>
  const pattern = new RegExp(
    `<(?:${namePattern}:)?${name}((?:\\s[^<>]*?)?)(?:/>|>([\\s\\S]*?)</(?:${namePattern}:)?${name}\\s*>)`,
    'g',
  );
  const found: XmlElement[] = [];
  for (const match of xml.matchAll(pattern)) {
    found.push({ localName, attributes: parseAttributes(match[1] ?? ''), inner: match[2] ?? '' });
  }
  return found;
}

export function findElement(xml: string, localName: string): XmlElement | undefined {
  return findElements(xml, localName)[0];
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

/** Decoded text content of an element: tags (and CDATA markers) removed, entities decoded, trimmed. */
export function textOf(element: XmlElement): string {
  const withoutCdata = element.inner.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_all, data: string) => escapeXml(data));
  return decodeEntities(withoutCdata.replace(/<[^>]*>/g, '')).trim();
}

/** Local name of the first element child of the SOAP Body, e.g. "GetProfiles" or "Probe". */
export function firstBodyChildName(xml: string): string | undefined {
  const body = findElement(xml, 'Body');
  if (body === undefined) return undefined;
  const match = new RegExp(`<(?:${namePattern}:)?(${namePattern})[\\s/>]`).exec(body.inner);
  return match?.[1];
}

function parseAttributes(raw: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = new RegExp(`(?:${namePattern}:)?(${namePattern})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
  for (const match of raw.matchAll(pattern)) {
    const key = match[1];
    if (key === undefined) continue;
    attributes.set(key, decodeEntities(match[2] ?? match[3] ?? ''));
  }
  return attributes;
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
