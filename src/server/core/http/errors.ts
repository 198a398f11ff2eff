/**
 * One error type for the whole API. It leaves the server as
 *   { "error": { "code": "INCIDENT_NOT_FOUND", "message": "…", "details": { "path": "body.title" } } }
 * Codes are namespaced by module (`AUTH_…`, `DIRECTORY_…`, `TAXII_…`).
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

export const errors = {
  /** A record that does not exist or that the actor may not see: the two are indistinguishable. */
  notFound: (noun: string, code = `${noun.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_NOT_FOUND`) =>
    new AppError(code, 404, `${noun[0]!.toUpperCase()}${noun.slice(1)} not found`),
  validation: (problems: FieldProblem[], message?: string) =>
    new AppError(
      'VALIDATION_FAILED',
      400,
      message ?? problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      { path: problems[0]?.path, problems },
    ),
  badRequest: (code: string, message: string, details?: Record<string, unknown>) => new AppError(code, 400, message, details),
  unauthenticated: (message = 'Sign in to continue') => new AppError('AUTH_REQUIRED', 401, message),
  forbidden: (code: string, message: string) => new AppError(code, 403, message),
  conflict: (code: string, message: string, details?: Record<string, unknown>) => new AppError(code, 409, message, details),
  tooMany: (code: string, message: string, retryAfterSeconds?: number) =>
    new AppError(code, 429, message, retryAfterSeconds ? { retryAfterSeconds } : undefined),
};
