// How every store reports: one callback that sipd points at its error_log (and the
// 'debug' level at a debug flag such as DBMySQL or Routing), and the tools at stderr.
// Shared by the embedded and the MySQL implementations so one log serves all stores.

export type StoreLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
