// Text as a file holds it and as the engine reads it.

/** A UTF-8 byte order mark is not part of the text (editors hide it too): without this, every column on line 1 is one off. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
