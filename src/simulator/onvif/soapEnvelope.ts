/**
 * SOAP envelopes and faults for the simulated ONVIF device, in the SOAP
 * version the client used (ONVIF mandates 1.2; some clients still send 1.1).
 */

import { escapeXml } from '../../discovery/xmlText.ts';

export type SoapVersion = '1.1' | '1.2';

export const soap12Namespace = 'http://www.w3.org/2003/05/soap-envelope';
export const soap11Namespace = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Namespace prefixes used in every response body. */
const responseNamespaces =
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ' +
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" ' +
  'xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:ter="http://www.onvif.org/ver10/error"';

export function soapVersionOf(xml: string): SoapVersion | undefined {
  if (xml.includes(soap12Namespace)) return '1.2';
  if (xml.includes(soap11Namespace)) return '1.1';
  return undefined;
}

export function contentTypeFor(version: SoapVersion): string {
  return version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
}

export function soapEnvelope(version: SoapVersion, bodyXml: string): string {
  const namespace = version === '1.2' ? soap12Namespace : soap11Namespace;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${namespace}" ${responseNamespaces}>` +
    `<s:Body>${bodyXml}</s:Body>` +
    '</s:Envelope>'
  );
}

/** ONVIF fault subcodes this device emits (ONVIF Core spec, 5.11.2). */
export type OnvifFault =
  | { code: 'Sender'; subcode: 'ter:NotAuthorized'; reason: string }
  | { code: 'Sender'; subcode: 'ter:InvalidArgVal'; reason: string }
  | { code: 'Sender'; subcode: 'ter:WellFormed'; reason: string }
  | { code: 'Receiver'; subcode: 'ter:ActionNotSupported'; reason: string };

export function soapFault(version: SoapVersion, fault: OnvifFault): string {
  if (version === '1.1') {
    return soapEnvelope(
      version,
      `<s:Fault><faultcode>s:${fault.code === 'Sender' ? 'Client' : 'Server'}</faultcode>` +
        `<faultstring>${escapeXml(fault.reason)}</faultstring>` +
        `<detail><ter:Subcode>${fault.subcode}</ter:Subcode></detail></s:Fault>`,
    );
  }
  return soapEnvelope(
    version,
    '<s:Fault>' +
      `<s:Code><s:Value>s:${fault.code}</s:Value><s:Subcode><s:Value>${fault.subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escapeXml(fault.reason)}</s:Text></s:Reason>` +
      '</s:Fault>',
  );
}
