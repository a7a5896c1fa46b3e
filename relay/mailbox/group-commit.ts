// Group commit: pushes that arrive while a transaction is being written wait and go together in
// the next one. One transaction, one fsync, then every acknowledgement of the batch — so
// throughput grows with load while "acknowledged" still means "on disk".
//
// Invariants: at most one batch is in flight; requests are applied in arrival order; a promise
// settles for every request (with the store's outcome, or rejected if the batch threw).
import type { AppendOutcome, AppendRequest, MailboxStore } from './store.ts';

interface Waiting {
  request: AppendRequest;
  resolve: (o: AppendOutcome) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private running = false;
  batches = 0;

  constructor(
    private readonly store: MailboxStore,
    private readonly maxBatch = 2048,
  ) {}

  submit(request: AppendRequest): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let every frame already received on any socket join this batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.batches++;
      try {
        const outcomes = await this.store.appendBatch(batch.map((w) => w.request));
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
      if (this.queue.length > 0) await new Promise((r) => setImmediate(r));
    }
    this.running = false;
  }
}
