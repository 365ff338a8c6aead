/**
 * Server validation messages, split per field: a message such as
 * `patch.rolloutPercent: must be …; reason: …` becomes one `{path, message}` part per field so
 * each can be shown near its input. Pure functions.
 */

/**
 * Split a server validation message (`patch.rolloutPercent: must be …; reason: …`)
 * into `{path, message}` parts so each can be shown near its field.
 */
export function splitValidationMessage(message: string): { path: string; message: string }[] {
  return message
    .split('; ')
    .map((part) => {
      const m = /^([A-Za-z0-9_.[\]]+): (.*)$/s.exec(part);
      return m ? { path: m[1] ?? '', message: part } : { path: '', message: part };
    })
    .filter((p) => p.message.length > 0);
}
