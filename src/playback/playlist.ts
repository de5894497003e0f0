/**
 * HLS (RFC 8216, version 7) playlists over segment rows, for `<video>` in Safari/Chromium
 * and hls.js. Each recorded file is a fragmented MP4 with its own init section, so every
 * segment gets EXT-X-MAP with a byte range and a discontinuity (recorder restarts may
 * change codec parameters). Files that are not fragmented are listed whole.
 */
export interface PlaylistEntry {
  startMs: number;
  endMs: number;
  uri: string;
  bytes: number;
  /** Length of ftyp+moov, or null when the file is not a fragmented MP4. */
  initLength: number | null;
}

export interface PlaylistOptions {
  /** The moment asked for (`from=`): when it falls inside the first segment, EXT-X-START points a player at it. */
  startAtMs?: number;
}

export function hlsPlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions = {}): string {
  const target = Math.max(1, ...entries.map((e) => Math.ceil((e.endMs - e.startMs) / 1000)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const first = entries[0];
  if (first && options.startAtMs !== undefined && options.startAtMs > first.startMs && options.startAtMs < first.endMs) {
    // Media time 0 is the first segment's start; PRECISE: decode from its keyframe, show from the moment.
    lines.push(`#EXT-X-START:TIME-OFFSET=${((options.startAtMs - first.startMs) / 1000).toFixed(3)},PRECISE=YES`);
  }
  entries.forEach((entry, index) => {
    if (index > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(entry.startMs).toISOString()}`);
    if (entry.initLength !== null) {
      lines.push(`#EXT-X-MAP:URI="${entry.uri}",BYTERANGE="${entry.initLength}@0"`);
    }
    lines.push(`#EXTINF:${((entry.endMs - entry.startMs) / 1000).toFixed(3)},`);
    if (entry.initLength !== null) lines.push(`#EXT-X-BYTERANGE:${entry.bytes - entry.initLength}@${entry.initLength}`);
    lines.push(entry.uri);
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
