// Reading an HTTP response's body with a cap on its size, as the http and web-search tools do.
import { ToolError } from '../toolkit/runtime';

/**
 * The body of `res` as UTF-8 text, read until `maxBytes`: a body declared (content-length) or
 * found larger is cancelled and a ResponseTooLarge ToolError with `tooLarge(declared)`'s message
 * thrown (`declared` is the content-length, or null when the body grew past the cap as it came).
 */
export async function readCappedText(res: Response, maxBytes: number, tooLarge: (declared: number | null) => string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new ToolError(tooLarge(declared), 'ResponseTooLarge');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new ToolError(tooLarge(null), 'ResponseTooLarge');
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
