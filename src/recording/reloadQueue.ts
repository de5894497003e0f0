/**
 * One reload per camera at a time: adoption and relocation may both fire for one camera,
 * and the second must see what the first did. Reloads of different cameras run side by side.
 */
export class ReloadQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `reload` after every earlier reload of `cameraId` has settled. */
  run(cameraId: string, reload: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(cameraId) ?? Promise.resolve();
    const next = previous.then(reload);
    const settled = next.finally(() => {
      if (this.tails.get(cameraId) === settled) this.tails.delete(cameraId);
    });
    this.tails.set(cameraId, settled);
    return next;
  }

  /** Resolves once every reload queued so far has settled (failed ones included). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
