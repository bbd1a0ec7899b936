// A structured answer that is not JSON (prose around it, a code fence, a cut-off object) is
// repaired as one that fails its schema: the model is told why, in these words (SPEC v1.3).

/** Why a structured answer's text is not JSON, in a person's words (the model is told, and the step's error says it). */
export function notJsonReason(text: string, finishReasons?: string[]): string {
  const t = text.trim();
  if (!t) return 'it is empty';
  if (t.startsWith('```')) return 'it is wrapped in a code fence';
  if (finishReasons?.some((r) => /^(length|max_tokens|MAX_TOKENS)$/.test(r))) return 'it is cut off before the JSON ends';
  const start = t.search(/[{[]/);
  if (start < 0) return 'it is prose, with no JSON in it';
  // where the first object or list closes (strings skipped): never, cut off; before the text ends, prose after it
  let depth = 0;
  let inString = false;
  let end = -1;
  for (let i = start; i < t.length && end < 0; i++) {
    const c = t[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) end = i;
  }
  if (end < 0) return start > 0 ? 'it has prose before a JSON value that is cut off' : 'it is cut off before the JSON ends';
  if (start > 0 || end < t.length - 1) return 'it has prose around the JSON';
  return 'the JSON is malformed';
}
