// The chat input at the bottom of the panel, for a pipeline whose agent step keeps a session
// (`memory:`): Enter (or Send) starts the next run of that session with the message as its message
// parameter (client/chatTarget.ts decides which), the panel follows the new run with the agent step's
// conversation shown; the input is disabled while a run goes on. Shown only when the extension says
// the document can take a message (a `chat` message).
import { el } from './page';
import type { ChatTarget } from './protocol';
import { ui, vscode } from './viewState';

export const chatBar = el('form', { class: 'chat-bar', 'data-testid': 'chat', hidden: '' });
const label = el('label', { class: 'chat-label', for: 'chat-message' });
const input = el('input', { id: 'chat-message', type: 'text', 'data-testid': 'chat-input', autocomplete: 'off', spellcheck: 'true' });
const send = el('button', { type: 'submit', 'data-testid': 'chat-send', title: 'Send the message: the next run of the session' }, 'Send');
chatBar.append(label, input, send);

let target: ChatTarget | null = null;
/** A message was sent and its run has not started yet: the input stays disabled. */
let sending = false;
/** The panel was reset for the message's run (`run-reset`); its events have not come yet. */
let started = false;
/** The step to select when the run the message started opens (its conversation shown). */
let selectOnReset: string | null = null;
/** The input had the focus when its message was sent: it gets it back when the run ends. */
let refocus = false;

function running(): boolean {
  return ui.saved.run.status === 'running';
}

/** Enables or disables the input as the run goes (called as the header is drawn). */
export function updateChat(): void {
  // the message's run is under way (or over): from here its status keeps the input disabled
  if (sending && started && ui.saved.run.status !== 'idle') sending = started = false;
  const busy = sending || running();
  const empty = !input.value.trim();
  const placeholder = busy ? 'Waiting for the run to end…' : target ? `Message to ${target.step}: Enter sends it` : '';
  // drawn with the header (every frame of a run): the DOM is touched only when something changed
  if (input.disabled !== busy) input.disabled = busy;
  if (send.disabled !== (busy || empty)) send.disabled = busy || empty;
  if (chatBar.dataset.busy !== String(busy)) chatBar.dataset.busy = String(busy);
  if (input.placeholder !== placeholder) input.placeholder = placeholder;
  // back to the input once the message's run has ended (not when it is only about to start)
  const ended = ['completed', 'failed', 'cancelled'].includes(ui.saved.run.status);
  if (!busy && refocus && ended) {
    refocus = false;
    if (!chatBar.hidden && (document.activeElement === document.body || document.activeElement === null)) input.focus();
  }
}

/** What the extension says the document can take (null: no chat input). */
export function setChatTarget(t: ChatTarget | null, ended = false): void {
  target = t;
  // sent again after a message's run ended or did not start; not while its run opens (the
  // extension says it then too, before the run's first events)
  if (ended || !started) sending = started = false;
  chatBar.hidden = !t;
  label.textContent = t ? (t.session !== null ? `Session ${t.session}` : 'Message') : '';
  chatBar.title = t ? `Each message is a run of this pipeline: it goes to the parameter '${t.messageParam}'${t.session !== null ? `, and the run continues session '${t.session}'` : ''}.` : '';
  updateChat();
}

/** A run started (a `run-reset`): the message's run, when one was sent; returns the step to select. */
export function chatRunStarted(): string | null {
  // still disabled: the reset panel shows no run until the run's first events come
  if (sending) started = true;
  const s = selectOnReset;
  selectOnReset = null;
  updateChat();
  return s;
}

/** The extension did not start the message's run (a notice says why): the input comes back. */
export function chatRefused(): void {
  if (!sending) return;
  sending = started = false;
  selectOnReset = null;
  updateChat();
  if (refocus) {
    refocus = false;
    if (document.activeElement === document.body || document.activeElement === null) input.focus();
  }
}

input.addEventListener('input', updateChat);
chatBar.addEventListener('submit', (e) => {
  e.preventDefault();
  const message = input.value.trim();
  if (!target || !message || sending || running()) return;
  sending = true;
  refocus = document.activeElement === input;
  selectOnReset = target.step;
  input.value = '';
  vscode.postMessage({ type: 'chat-send', message });
  updateChat();
});
