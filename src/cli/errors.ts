/** A mistake in how a command was typed: the message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}
