// The logging module: error_log, access_log, stats logs, piped loggers and rotatelogs.
export * from './directives.js';
export { ErrorLog, SEVERITY, formatErrorLine } from './error-log.js';
export type { ErrorLogOptions } from './error-log.js';
export { compileLogFormat, resolveLogFormat, escapeLogItem, FORMAT_LETTERS } from './log-format.js';
export type { AccessEntry, CompiledFormat, CompileResult, FormatEnv } from './log-format.js';
export { AccessLog, HostnameCache, compileCustomLogFormat } from './access-log.js';
export type { AccessLogOptions } from './access-log.js';
export { StatsLog, MemStatsLog, formatStatsLine } from './stats-log.js';
export type { Counters, StatsLogOptions, MemStatsLogOptions } from './stats-log.js';
export { PipeLogger } from './pipe.js';
export type { PipeLoggerOptions } from './pipe.js';
export { AppendFile, TargetSink, openSink, resolveLogPath } from './sink.js';
export type { LogSink, AppendFileOptions } from './sink.js';
export { Rotator, parseRotatelogsArgs, rotatedName, ROTATELOGS_USAGE } from './rotatelogs.js';
export type { RotateMode, RotatelogsArgs, RotatorOptions } from './rotatelogs.js';
export { errorLogDate, accessLogDate, strftime, utcOffset } from './time.js';
