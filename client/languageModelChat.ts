// One turn of an agent's conversation on an editor's language model (vscode.lm): the agent's tools
// offered as LanguageModelChatTool (the wire names the loop chose, each with its JSON Schema), the
// conversation as the chat API's messages (its calls as LanguageModelToolCallPart in the assistant's
// message, their results as LanguageModelToolResultPart in the user's), the text streamed as it
// comes and the calls collected as the engine's WireToolCall. The API has no system role: the
// system prompt is the first user message. Model choice, cancellation and errors are the provider's
// (languageModels.ts).
import * as vscode from 'vscode';
import { generatedIdPrefix, wireCallOf, type ChatAnswer, type ChatCall, type WireToolCall } from '../engine/api/index';
import { jsonOf } from './modelChoice';

type UserPart = vscode.LanguageModelTextPart | vscode.LanguageModelToolResultPart;
type AssistantPart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart;

/** The conversation as the chat API's messages; a user's text after tool results joins their message (one user turn). */
export function chatMessages(call: ChatCall): vscode.LanguageModelChatMessage[] {
  // each message's parts first (a later text may join a user message), the messages made at the end
  const turns: ({ role: 'user'; parts: UserPart[]; results: boolean } | { role: 'assistant'; parts: AssistantPart[] })[] = [];
  const text = (t: string) => new vscode.LanguageModelTextPart(t);
  const userText = (t: string) => {
    const last = turns[turns.length - 1];
    if (last?.role === 'user' && last.results) last.parts.push(text(t));
    else turns.push({ role: 'user', parts: [text(t)], results: false });
  };
  if (call.system) turns.push({ role: 'user', parts: [text(call.system)], results: false });
  for (const m of call.messages) {
    if (m.role === 'user') userText(m.content);
    else if (m.role === 'assistant') {
      const parts: AssistantPart[] = [];
      if (m.text) parts.push(text(m.text));
      for (const c of m.toolCalls) parts.push(new vscode.LanguageModelToolCallPart(c.id, c.name, c.arguments ?? {}));
      // an answer that said nothing at all is left out (the API takes no empty message)
      if (parts.length) turns.push({ role: 'assistant', parts });
    } else {
      // the result of each call, in the order of the calls; a failure said in words (the part has no error flag)
      turns.push({ role: 'user', parts: m.results.map((r) => new vscode.LanguageModelToolResultPart(r.id, [text(r.isError ? `Error: ${r.content}` : r.content)])), results: true });
    }
  }
  if (call.schema) {
    const ask = `Answer only with JSON that matches this JSON Schema, nothing else:\n${JSON.stringify(call.schema)}`;
    const last = turns[turns.length - 1];
    if (last?.role === 'user') (last.parts as UserPart[]).push(text(ask));
    else turns.push({ role: 'user', parts: [text(ask)], results: false });
  }
  return turns.map((t) => (t.role === 'user' ? vscode.LanguageModelChatMessage.User(t.parts) : vscode.LanguageModelChatMessage.Assistant(t.parts)));
}

/** The tools the model may call this turn: none for the last call after a limit or a structured answer (the API has no "none" mode). */
export function chatTools(call: ChatCall): vscode.LanguageModelChatTool[] {
  if (call.schema || call.toolChoice === 'none') return [];
  return call.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters }));
}

const isText = (p: unknown): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart || (typeof p === 'object' && p !== null && typeof (p as { value?: unknown }).value === 'string' && !('callId' in p));
const isCall = (p: unknown): p is vscode.LanguageModelToolCallPart => p instanceof vscode.LanguageModelToolCallPart || (typeof p === 'object' && p !== null && typeof (p as { callId?: unknown }).callId === 'string' && typeof (p as { name?: unknown }).name === 'string');

/** One turn: the request, its stream read to the end (text to `onDelta` as it comes), and the tokens counted with the model's own tokenizer (the API reports no usage). */
export async function chatTurn(model: vscode.LanguageModelChat, call: ChatCall, token: vscode.CancellationToken, justification: string, onDelta?: (text: string) => void): Promise<ChatAnswer> {
  const messages = chatMessages(call);
  const tools = chatTools(call);
  const options: vscode.LanguageModelChatRequestOptions = {
    justification,
    modelOptions: { ...(call.maxTokens ? { maxTokens: call.maxTokens } : {}), ...(call.temperature !== null ? { temperature: call.temperature } : {}) },
    ...(tools.length ? { tools, toolMode: vscode.LanguageModelChatToolMode.Auto } : {}),
  };
  const response = await model.sendRequest(messages, options, token);
  const prefix = generatedIdPrefix(call.messages);
  let text = '';
  const toolCalls: WireToolCall[] = [];
  for await (const part of response.stream) {
    if (call.signal.aborted) break;
    if (isCall(part)) toolCalls.push(wireCallOf(part.callId, part.name, part.input, prefix, toolCalls.length));
    else if (isText(part) && part.value) {
      text += part.value;
      onDelta?.(part.value);
    }
  }
  if (call.signal.aborted) throw call.signal.reason ?? new Error('cancelled');
  const tokensIn = (await Promise.all(messages.map((m) => model.countTokens(m, token)))).reduce((a, b) => a + b, 0);
  const outs = [...(text ? [text] : []), ...toolCalls.map((c) => `${c.name} ${c.argumentsText}`)];
  const tokensOut = (await Promise.all(outs.map((t) => model.countTokens(t, token)))).reduce((a, b) => a + b, 0);
  let data: unknown;
  if (call.schema) {
    try {
      data = jsonOf(text);
    } catch {
      data = text; // the loop's schema check refuses it and asks once more
    }
  }
  return { text, toolCalls, message: { role: 'assistant', text, toolCalls }, ...(call.schema ? { data } : {}), tokensIn, tokensOut };
}
