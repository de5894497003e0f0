/** Runs `step`; if it throws, runs `undo` (releasing what was started before it) and rethrows the step's error. */
export async function undoIfThrows(step: () => Promise<void>, undo: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    await undo();
    throw error;
  }
}
