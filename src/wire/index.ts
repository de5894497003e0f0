/** The HTTP API's answer shapes, one home for server and web UI (types only). */
export type * from './cameras.ts';
export type * from './settings.ts';
export type * from './system.ts';
