/** One line of `hearth doctor`: what was checked, the verdict, and the detail with the fix. */
export type Verdict = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
}
