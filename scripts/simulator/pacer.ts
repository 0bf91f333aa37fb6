/**
 * Paces live publishing at a steady rate against the wall clock (the only place the simulator
 * reads it): `await pacer.next()` before each send. A rate of 0 means as fast as possible.
 */
export interface Pacer {
  next(): Promise<void>;
  readonly sent: number;
}

export function createPacer(ratePerSecond: number, now: () => number = Date.now): Pacer {
  const t0 = now();
  let sent = 0;
  return {
    async next() {
      if (ratePerSecond > 0) {
        const wait = t0 + (sent / ratePerSecond) * 1000 - now();
        if (wait > 5) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      sent += 1;
    },
    get sent() {
      return sent;
    },
  };
}
