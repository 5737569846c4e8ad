// What the database's errors mean, decided in one place. Services and adapters ask these instead of reading codes.

/**
 * A write refused by a unique index (E11000): another writer inserted the same key first. The driver reports it as
 * code 11000 (11001 on old servers); a bulk write or a wrapped error may carry only the message, or keep the
 * original as `cause`. A bulk write counts only when every one of its write errors is a duplicate key.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    const { code, message, writeErrors, cause } = current as { code?: unknown; message?: unknown; writeErrors?: unknown; cause?: unknown };
    // A bulk write's own code is its first error's: look at every one of them.
    const each = Array.isArray(writeErrors) ? writeErrors : writeErrors && typeof writeErrors === 'object' ? [writeErrors] : [];
    if (each.length > 0) return each.every((writeError: { code?: unknown; err?: { code?: unknown } }) => isDuplicateCode(writeError.code ?? writeError.err?.code));
    if (isDuplicateCode(code)) return true;
    if (typeof message === 'string' && message.includes('E11000')) return true;
    current = cause;
  }
  return false;
}

function isDuplicateCode(code: unknown): boolean {
  return code === 11000 || code === 11001;
}
