/**
 * A turn of the event loop: the I/O waiting, then what comes after it. Long synchronous work (a
 * catch-up, an export, a report) awaits one now and then, so that requests are answered meanwhile.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
