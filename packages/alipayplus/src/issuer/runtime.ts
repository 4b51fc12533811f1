// A set of background tasks of the issuer processor that tests can wait on. (The per-key mutex and
// sleeping on the Clock are @tapkit/protocol's KeyedMutex and sleepOn.)

export class BackgroundTasks {
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(task: Promise<unknown>): void {
    const tracked = task.catch(this.onError).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Waits until no task is running (tasks started meanwhile included); bounded by `roundsMax`. */
  async idle(roundsMax = 1_000): Promise<void> {
    for (let round = 0; round < roundsMax && this.tasks.size > 0; round++) {
      await Promise.allSettled([...this.tasks]);
    }
  }
}
