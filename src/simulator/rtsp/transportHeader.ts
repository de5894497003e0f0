/** The RTSP Transport header (RFC 2326 §12.39), only the two forms cameras serve. */

export type TransportRequest =
  | { mode: 'tcp'; rtpChannel: number; rtcpChannel: number }
  | { mode: 'udp'; clientRtpPort: number; clientRtcpPort: number };

/** The first acceptable transport a client offers, or undefined (answer 461 Unsupported Transport). */
export function chooseTransport(header: string | undefined, nextChannel: number): TransportRequest | undefined {
  if (header === undefined) return undefined;
  for (const offer of header.split(',')) {
    const parts = offer.trim().split(';').map((p) => p.trim());
    const protocol = parts[0]?.toUpperCase();
    const param = (name: string): string | undefined => parts.find((p) => p.toLowerCase().startsWith(`${name}=`))?.split('=')[1];
    if (protocol === 'RTP/AVP/TCP') {
      const range = /^(\d+)(?:-(\d+))?$/.exec(param('interleaved') ?? `${nextChannel}-${nextChannel + 1}`);
      if (range === null) continue;
      const rtpChannel = Number(range[1]);
      const rtcpChannel = range[2] === undefined ? rtpChannel + 1 : Number(range[2]);
      if (rtpChannel > 255 || rtcpChannel > 255) continue;
      return { mode: 'tcp', rtpChannel, rtcpChannel };
    }
    if ((protocol === 'RTP/AVP' || protocol === 'RTP/AVP/UDP') && !parts.some((p) => p.toLowerCase() === 'multicast')) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(param('client_port') ?? '');
      if (range === null) continue;
      const clientRtpPort = Number(range[1]);
      const clientRtcpPort = range[2] === undefined ? clientRtpPort + 1 : Number(range[2]);
      if (clientRtpPort < 1 || clientRtpPort > 65535 || clientRtcpPort > 65535) continue;
      return { mode: 'udp', clientRtpPort, clientRtcpPort };
    }
  }
  return undefined;
}

export function formatTransport(t: TransportRequest, server: { serverRtpPort: number; serverRtcpPort: number }): string {
  return t.mode === 'tcp'
    ? `RTP/AVP/TCP;unicast;interleaved=${t.rtpChannel}-${t.rtcpChannel}`
    : `RTP/AVP;unicast;client_port=${t.clientRtpPort}-${t.clientRtcpPort};server_port=${server.serverRtpPort}-${server.serverRtcpPort}`;
}
