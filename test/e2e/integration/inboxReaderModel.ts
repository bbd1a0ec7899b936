// The model of test/e2e/fixtures/inbox-reader.pipeline.yaml, as a loopback server answers it: each
// turn is chosen from the conversation the request carries (how many tool results it holds), so a
// run answers the same however its requests are timed. It lists the inbox, reads the CSV report,
// asks to write its note (a call that waits for approval), then answers in words.
import type { Scripted } from '../../fixtures/providers/loopbackServer';

/** The calls the model asks for, turn by turn, before it answers. */
export const INBOX_READER_CALLS = [
  { name: 'filesystem_list', arguments: { path: 'triage/inbox' } },
  { name: 'filesystem_read', arguments: { path: 'triage/inbox/csv-export.md' } },
  { name: 'filesystem_write', arguments: { path: 'output/inbox-note.md', content: 'CSV export drops rows with a comma in the name: data loss, critical.\n' } },
];

export const INBOX_READER_ANSWER = 'The CSV export report is critical: it loses data. I could not write the note.';

/** The loopback server's answer to a request of the inbox reader (undefined: not its request). */
export function inboxReaderTurn(body: Record<string, unknown>): Scripted | undefined {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  if (!messages.some((m) => typeof m.content === 'string' && m.content.includes('write a one-line note on it to output/inbox-note.md'))) return undefined;
  const done = messages.filter((m) => m.role === 'tool').length;
  const call = INBOX_READER_CALLS[done];
  return call ? { toolCalls: [{ id: `call_reader_${done + 1}`, ...call }] } : { text: INBOX_READER_ANSWER };
}
