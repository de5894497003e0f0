/** The SDP a DESCRIBE answers with: one media section per track, each with its own a=control. */
import type { TrackMedia } from './rtpTrack.ts';

export function trackControl(index: number): string {
  return `trackID=${index}`;
}

export function describeSdp(input: { host: string; sessionName: string; tracks: readonly TrackMedia[] }): string {
  const lines = [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 ${input.host}`,
    `s=${input.sessionName}`,
    `c=IN IP4 0.0.0.0`,
    't=0 0',
    'a=control:*',
    'a=range:npt=0-',
  ];
  input.tracks.forEach((track, index) => {
    lines.push(`m=${track.kind} 0 RTP/AVP ${track.payloadType}`);
    if (track.bandwidthKbps !== undefined) lines.push(`b=AS:${track.bandwidthKbps}`);
    lines.push(`a=rtpmap:${track.payloadType} ${track.rtpmap}`);
    if (track.fmtp !== undefined) lines.push(`a=fmtp:${track.payloadType} ${track.fmtp}`);
    lines.push('a=recvonly', `a=control:${trackControl(index)}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}
