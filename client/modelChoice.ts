// Pure parts of model access in the editor (no vscode at run time, so unit tests import them): the
// selector of a `vscode:` model id, JSON in a chat answer, stored keys ahead of the environment, and
// steps of a provider without a key sent to another model.
import type * as vscode from 'vscode';
import { KEY_VARIABLES, type ModelRunner } from '../engine/api/index';

/** `vendor/family`, `vendor`, or `*` → the selector vscode.lm.selectChatModels takes. */
export function selectorOf(name: string): vscode.LanguageModelChatSelector {
  if (name === '*' || name === '') return {};
  const slash = name.indexOf('/');
  if (slash < 0) return { vendor: name };
  const vendor = name.slice(0, slash);
  const family = name.slice(slash + 1);
  return family === '*' ? { vendor } : { vendor, family };
}

/** The JSON in a model's text answer: the whole text, or the first fenced or braced block. */
export function jsonOf(text: string): unknown {
  const t = text.trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(t);
  const candidate = fenced ? fenced[1] : t.slice(Math.max(0, t.indexOf('{')), t.lastIndexOf('}') + 1) || t;
  return JSON.parse(candidate);
}

/** The environment a run's model runner reads: a provider with a stored key loses its environment variables, so the stored key wins. */
export function environmentFor(env: NodeJS.ProcessEnv, storedFor: string[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const p of storedFor) for (const v of KEY_VARIABLES[p] ?? []) delete out[v];
  return out;
}

/** A model runner that sends the steps of some providers to another model (the editor's, for a provider with no key). */
export function rerouted(inner: ModelRunner, to: Map<string, string>): ModelRunner {
  if (!to.size) return inner;
  const target = (model: string) => to.get(model.slice(0, model.indexOf(':'))) ?? model;
  const chat = inner.chat;
  return {
    run: (req) => inner.run({ ...req, model: target(req.model) }),
    // an agent step's turns go where its other calls go
    ...(chat ? { chat: (req: Parameters<typeof chat>[0]) => chat.call(inner, { ...req, model: target(req.model) }) } : {}),
    select: inner.select?.bind(inner),
    embed: inner.embed?.bind(inner),
  };
}

export interface ModelSettings {
  /** Base URLs by provider (`openai` for an OpenAI-compatible server, `ollama`, `openai-compatible`). */
  baseUrls: Record<string, string>;
  /** The model of steps that name none, when the pipeline has no `model:` either. */
  default: string | null;
  /** The model that answers AUTO tags and writes explanations when the pipeline names none. */
  orchestrator: string | null;
}

/** The `orchestrator.models.*` settings as the run needs them (pure, for tests). */
export function modelSettings(raw: { baseUrls?: unknown; default?: unknown; orchestrator?: unknown }): ModelSettings {
  const urls: Record<string, string> = {};
  if (raw.baseUrls && typeof raw.baseUrls === 'object' && !Array.isArray(raw.baseUrls)) {
    for (const [k, v] of Object.entries(raw.baseUrls)) if (typeof v === 'string' && /^https?:\/\//.test(v.trim())) urls[k] = v.trim().replace(/\/+$/, '');
  }
  const id = (v: unknown) => (typeof v === 'string' && /^[a-z][a-z0-9-]*:.+$/.test(v.trim()) ? v.trim() : null);
  return { baseUrls: urls, default: id(raw.default), orchestrator: id(raw.orchestrator) };
}
