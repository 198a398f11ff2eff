/** Kinds of indicator values the engine can match. */
export type IndicatorKind =
  | 'ipv4'
  | 'ipv6'
  | 'cidr4'
  | 'cidr6'
  | 'domain'
  | 'url'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'email';

/** One indicator value to index. `id` is the indicator id (several values may share one id). */
export interface IndicatorValue {
  id: string;
  kind: IndicatorKind;
  value: string;
}

/** Kinds of values found in log lines (CIDRs never appear as observables). */
export type ObservedKind = 'ipv4' | 'ipv6' | 'domain' | 'url' | 'md5' | 'sha1' | 'sha256' | 'email';

export type LogFormat = 'jsonl' | 'csv' | 'zeek' | 'syslog' | 'cef' | 'text';

/** A match of one value on one log line. */
export interface Hit {
  /** 1-based line number in the (decompressed) input. */
  lineNo: number;
  /** The line, decoded as UTF-8 (invalid bytes replaced) and truncated to `maxHitLineChars`. */
  line: string;
  /** Ids of every indicator whose value matched (exact value, covering CIDR, parent domain…). */
  indicatorIds: string[];
  /** The normalised value as it was observed in the log line. */
  value: string;
  kind: ObservedKind;
  /** Field name when the format has fields (JSON key path, CSV column, Zeek field, CEF key…). */
  field?: string;
  /** ISO-8601 timestamp parsed from the line when present. */
  timestamp?: string;
}

export interface SkipCounts {
  /** Lines that look like binary data (NUL bytes or many control characters); not scanned. */
  binary: number;
  /** Lines longer than `maxLineBytes`; not scanned, never fully buffered. */
  tooLong: number;
  /** Lines with invalid UTF-8; still scanned, invalid bytes replaced with U+FFFD in output. */
  badEncoding: number;
  /** 1 when the gzip stream was corrupt or truncated; the run keeps what was decompressed. */
  badGzip: number;
}

export interface MatchSummary {
  format: LogFormat | null;
  gzip: boolean;
  lines: number;
  /** Bytes of (decompressed) log data read. */
  bytes: number;
  skipped: SkipCounts;
  /** Number of Hit records produced. */
  hits: number;
  /** Lines with at least one hit. */
  hitLines: number;
  /** Message of the gzip error, when badGzip > 0. */
  gzipError?: string;
}

export interface MatchOptions {
  /** Log format; auto-detected from the first lines when omitted. */
  format?: LogFormat;
  /** 'auto' (default) detects gzip by its magic bytes. */
  gzip?: 'auto' | boolean;
  /** Called after each processed block with a snapshot of the running summary. */
  onProgress?: (summary: MatchSummary) => void;
  /** Lines longer than this many bytes are skipped and counted (default 1 MiB). */
  maxLineBytes?: number;
  /** Characters of the line kept in each Hit (default 2048). */
  maxHitLineChars?: number;
  /** Worker threads: 0 or 1 = single-threaded in this thread (default); n ≥ 2 = n workers; 'auto' = CPU count. */
  workers?: number | 'auto';
  /** Target block size in bytes handed to a worker (default 1 MiB). */
  blockBytes?: number;
}
