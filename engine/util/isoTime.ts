// ISO 8601 text of a time in milliseconds. A run of short steps stamps thousands of results within
// one millisecond, and Date#toISOString costs more than such a step's scheduling: the text of the
// last millisecond asked for is kept.

let lastMs = NaN;
let lastText = '';

/** `new Date(ms).toISOString()`, the same text, made once per distinct millisecond in a row. */
export function isoAt(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
}
