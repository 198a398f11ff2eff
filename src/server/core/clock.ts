/** Time, read through one place so tests can move it (escalation timeouts, expiries). */
export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Tests only: move the clock forward. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
