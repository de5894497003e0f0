/**
 * Where Hearth's files are at run time. This module is src/appRoot.ts in a checkout and
 * dist/appRoot.js in the compiled build; both sit one level below the app root, so one
 * lookup serves both trees (package.json and web/dist are at the root, the migrations
 * beside the code: scripts/build.sh copies them into dist/).
 */
import { fileURLToPath } from 'node:url';

/** The app root: package.json, web/dist, bin/. */
export const appRoot: string = fileURLToPath(new URL('..', import.meta.url));

/** The running code's tree: src/ in a checkout, dist/ in the build. */
export const codeRoot: string = fileURLToPath(new URL('.', import.meta.url));
