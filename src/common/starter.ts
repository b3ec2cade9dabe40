// A background start (`sip start`, `pserver start`) spawns the program with an IPC channel
// and waits for one message saying how the start went. The program sends it with this.

/** Sends `message` to the process that started us and lets it go; does nothing when run directly. */
export function reportToStarter(message: unknown): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      send(message, undefined, {}, () => {
        if (process.connected) process.disconnect();
        resolve();
      });
    } catch {
      resolve();
    }
  });
}
