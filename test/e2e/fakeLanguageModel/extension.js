// A language model provider for tests: vendor `fake`, one model (family `echo`). It streams the
// scripted answers in order (word by word), else echoes the request; counts four characters a
// token; and records every request, so a test can see what reached the model. Its exports are the
// script and the record.
const vscode = require('vscode');

exports.activate = (context) => {
  const requests = [];
  const script = [];
  const textOf = (m) => (typeof m === 'string' ? m : m.content.map((p) => (typeof p.value === 'string' ? p.value : '')).join(''));
  const provider = {
    provideLanguageModelChatInformation: () => [{ id: 'fake-echo', name: 'Fake Echo', family: 'echo', version: '1.0', maxInputTokens: 100000, maxOutputTokens: 10000, capabilities: {} }],
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const text = messages.map(textOf).join('\n');
      requests.push({ model: model.id, text });
      const next = script.shift();
      if (next && next.error === 'blocked') throw vscode.LanguageModelError.Blocked('scripted: over quota');
      const answer = next ? next.text : `echo: ${text}`;
      for (const piece of answer.split(/(?<= )/)) {
        if (token.isCancellationRequested) return;
        progress.report(new vscode.LanguageModelTextPart(piece));
        await new Promise((r) => setTimeout(r, next && next.delayMs ? next.delayMs : 5));
      }
    },
    provideTokenCount: async (model, text) => Math.ceil(textOf(text).length / 4),
  };
  context.subscriptions.push(vscode.lm.registerLanguageModelChatProvider('fake', provider));
  return { requests, script };
};
