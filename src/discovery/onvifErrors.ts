/**
 * Typed failures of ONVIF calls. Each message names the device address and
 * what the homeowner can do about it; the supervisor maps them to camera
 * states (OnvifAuthError -> auth_failed, the rest -> retrying).
 */

export class OnvifError extends Error {
  constructor(
    message: string,
    /** Device service URL, without credentials. */
    readonly address: string,
    /** ONVIF action that failed, e.g. "GetDeviceInformation". */
    readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The device rejected the credentials (wrong user/password, or a clock too far off to correct). */
export class OnvifAuthError extends OnvifError {
  override readonly name = 'OnvifAuthError';
}

/** No (complete) answer within the time limit: camera frozen, overloaded, or unreachable. */
export class OnvifTimeoutError extends OnvifError {
  override readonly name = 'OnvifTimeoutError';
}

/** Could not open a connection (refused, reset, no route). */
export class OnvifConnectionError extends OnvifError {
  override readonly name = 'OnvifConnectionError';
}

/** The device answered, but not with what ONVIF promises (fault, malformed SOAP, missing fields, unsafe URIs). */
export class OnvifProtocolError extends OnvifError {
  override readonly name = 'OnvifProtocolError';
}

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Map an error from the `onvif` package (plain Error with a message, or a Node system error) to a typed one.
 * `httpStatus`: the status of the answer, when one came; an HTTP 401 is a refused password whatever
 * its body says (a Hikvision sends an HTML page, which the package calls "Wrong ONVIF SOAP response").
 */
export function classifyOnvifError(error: unknown, address: string, action: string, httpStatus?: number): OnvifError {
  if (error instanceof OnvifError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (httpStatus === 401 || /not ?authori[sz]ed|digest authentication (failed|headers not found)|unauthori[sz]ed/i.test(message)) {
    return new OnvifAuthError(
      `ONVIF device at ${address} rejected the credentials (${action}): check the username and password configured for this camera in Hearth and on the camera's own web page`,
      address,
      action,
      { cause: error },
    );
  }
  if (/network timeout/i.test(message) || code === 'ETIMEDOUT') {
    return new OnvifTimeoutError(
      `ONVIF device at ${address} did not answer ${action} in time: check that the camera is powered and reachable, or raise the ONVIF timeout`,
      address,
      action,
      { cause: error },
    );
  }
  if (code !== undefined && connectionCodes.has(code)) {
    return new OnvifConnectionError(
      `cannot connect to ONVIF device at ${address} (${code}) for ${action}: check the address and port, and that the camera is on the network`,
      address,
      action,
      { cause: error },
    );
  }
  const fault = /ONVIF SOAP Fault: (.*)$/s.exec(message);
  if (fault) {
    // The device understood and said no: name its reason, not the URL (which evidently works).
    return new OnvifProtocolError(
      `ONVIF device at ${address} refused ${action} (SOAP fault: ${fault[1]?.trim() || 'no reason given'}); the camera may not support it or this account may lack the right`,
      address,
      action,
      { cause: error },
    );
  }
  // A TypeError from the package means the reply lacked a field it indexes blindly
  // ("Cannot read properties of undefined"): name that, not JavaScript internals.
  const what = error instanceof TypeError ? 'a reply without the fields ONVIF requires' : message;
  return new OnvifProtocolError(
    `ONVIF device at ${address} answered ${action} with something Hearth cannot use (${what}): check that the URL points at the camera's ONVIF device service`,
    address,
    action,
    { cause: error },
  );
}

/**
 * Why an optional call (MAC, snapshot URI, sub stream) came back empty, for a note beside
 * an adopted camera. It never blames the password or the URL: by the time optional calls
 * run, the camera has answered the required ones with these very credentials at this URL.
 */
export function refusalReason(error: OnvifError): string {
  if (error instanceof OnvifAuthError) return `the camera refused ${error.action} to this account (the password is right: it answered everything else)`;
  if (error instanceof OnvifTimeoutError) return `the camera did not answer ${error.action} in time`;
  const fault = error.cause instanceof Error ? /ONVIF SOAP Fault: (.*)$/s.exec(error.cause.message) : null;
  if (fault) return `the camera refused ${error.action} (${fault[1]?.trim() || 'no reason given'})`;
  if (error instanceof OnvifConnectionError) return `the connection dropped during ${error.action}`;
  return `the camera's ${error.action} answer was not usable`;
}
