// The editor's own language models (`vscode.lm`) as a model provider: a step whose model is
// `vscode:<vendor>/<family>` (e.g. `vscode:copilot/gpt-4o`), `vscode:<vendor>` or `vscode:*` (the
// first model the editor offers) runs through the engine's ModelProvider interface, with VS Code's
// consent, streaming into the step's output, and cancellation from the run. No API key is needed:
// the editor's model provider (Copilot, or any extension that contributes models) is used. An
// agent's turns, with its tools, go through `chat` (languageModelChat.ts).
import * as vscode from 'vscode';
import { type ModelProvider, type ProviderAnswer, type ProviderCall, ProviderError, type StructuredAnswer } from '../engine/api/index';
import { jsonOf, selectorOf } from './modelChoice';
import { chatTurn } from './languageModelChat';

export const VSCODE_PROVIDER = 'vscode';
const JUSTIFICATION = 'Orchestrator runs a pipeline step with this model.';

function describeError(id: string, e: unknown): ProviderError {
  if (e instanceof vscode.LanguageModelError) {
    const code = e.code;
    if (code === vscode.LanguageModelError.NoPermissions().code) return new ProviderError(`vscode:${id}: the editor's language model was not allowed for Orchestrator (consent refused or withdrawn; allow it in Manage Language Model Access): ${e.message}`, 403, null, false);
    if (code === vscode.LanguageModelError.Blocked().code) return new ProviderError(`vscode:${id}: the editor's language model blocked the request (quota or rate limit): ${e.message}`, 429, null, false);
    if (code === vscode.LanguageModelError.NotFound().code) return new ProviderError(`vscode:${id}: the editor has no such language model: ${e.message}`, 404, null, false);
    return new ProviderError(`vscode:${id}: ${e.message}`, null, null, false);
  }
  return e instanceof Error ? new ProviderError(`vscode:${id}: ${e.message}`, null, null, false) : new ProviderError(`vscode:${id}: ${String(e)}`, null, null, false);
}

async function pick(name: string): Promise<vscode.LanguageModelChat> {
  const models = await vscode.lm.selectChatModels(selectorOf(name));
  if (!models.length) {
    const all = await vscode.lm.selectChatModels({});
    const list = all.map((m) => `vscode:${m.vendor}/${m.family}`).join(', ');
    throw new ProviderError(`No language model of the editor matches 'vscode:${name}'${list ? ` (available: ${list})` : ': the editor offers none (is a model provider such as GitHub Copilot installed and signed in?)'}`, 404, null, false);
  }
  return models[0];
}

/**
 * Runs `fn` on the model `name` names, with a cancellation token the run's signal cancels: an abort
 * ends it with the signal's reason, any other failure with a ProviderError that says what happened.
 */
async function onModel<T>(name: string, signal: AbortSignal, fn: (model: vscode.LanguageModelChat, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const model = await pick(name);
  const cts = new vscode.CancellationTokenSource();
  const onAbort = () => cts.cancel();
  if (signal.aborted) cts.cancel();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await fn(model, cts.token);
    if (signal.aborted) throw signal.reason ?? new Error('cancelled');
    return out;
  } catch (e) {
    if (signal.aborted) throw signal.reason ?? e;
    throw describeError(name, e);
  } finally {
    signal.removeEventListener('abort', onAbort);
    cts.dispose();
  }
}

function ask(call: ProviderCall, onDelta: ((t: string) => void) | null, extraInstruction = ''): Promise<ProviderAnswer> {
  return onModel(call.model, call.signal, async (model, token) => {
    // the chat API has user and assistant messages only: the system prompt goes first, as the user's
    const prompt = `${call.prompt}${extraInstruction}`;
    const messages = [...(call.system ? [vscode.LanguageModelChatMessage.User(call.system)] : []), vscode.LanguageModelChatMessage.User(prompt)];
    const options: vscode.LanguageModelChatRequestOptions = { justification: JUSTIFICATION, modelOptions: { ...(call.maxTokens ? { maxTokens: call.maxTokens } : {}), ...(call.temperature !== null ? { temperature: call.temperature } : {}) } };
    const response = await model.sendRequest(messages, options, token);
    let text = '';
    for await (const chunk of response.text) {
      if (call.signal.aborted) break;
      text += chunk;
      onDelta?.(chunk);
    }
    if (call.signal.aborted) throw call.signal.reason ?? new Error('cancelled');
    // the API gives no usage: count with the model's own tokenizer
    const tokensIn = (await Promise.all(messages.map((m) => model.countTokens(m, token)))).reduce((a, b) => a + b, 0);
    const tokensOut = text ? await model.countTokens(text, token) : 0;
    return { text, tokensIn, tokensOut };
  });
}

/** The ModelProvider over vscode.lm (the engine routes `vscode:` models to it). */
export function languageModelProvider(): ModelProvider {
  return {
    name: VSCODE_PROVIDER,
    chat: (call, onDelta) => onModel(call.model, call.signal, (model, token) => chatTurn(model, call, token, JUSTIFICATION, onDelta)),
    generate: (call) => ask(call, null),
    stream: (call, onDelta) => ask(call, onDelta),
    async generateStructured(call): Promise<StructuredAnswer> {
      const a = await ask(call, null, `\n\nAnswer only with JSON that matches this JSON Schema, nothing else:\n${JSON.stringify(call.schema)}`);
      let data: unknown;
      try {
        data = jsonOf(a.text);
      } catch {
        data = a.text; // the caller's schema check rejects it, with a retry
      }
      return { ...a, data };
    },
  };
}

/** Whether the editor offers any language model right now. */
export async function editorHasModels(): Promise<boolean> {
  try {
    return (await vscode.lm.selectChatModels({})).length > 0;
  } catch {
    return false;
  }
}
