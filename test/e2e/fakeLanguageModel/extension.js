// A language model provider for tests: vendor `fake`, one model (family `echo`). It streams the
// scripted answers in order (word by word), else echoes the request; counts four characters a
// token; and records every request, so a test can see what reached the model. Its exports are the
// script and the record. Its one command calls a language-model tool (below).
//
// Tool calls: a script entry `{toolCalls: [{name, arguments, id?}], text?}` answers with its text
// (if any), then a LanguageModelToolCallPart for each call (ids `fake_call_N` when not given). A test
// that cannot reach the script (a browser test) uses a convention instead: when the request offers
// tools and its last message holds no tool result, a line `CALL <tool_name> <json arguments>` in
// that message makes the model call that tool; when its last message holds tool results, it answers
// `<tool_name> answered: <the result's text>` for each (one line each). A request's record
// (`requests`) is `{model, text}` (the text parts of every message, one message a line), plus
// `tools` (the tools offered: name, description, inputSchema) and `toolMode` when tools were
// offered, `toolCalls` (the calls of the assistant's messages: callId, name, input) and
// `toolResults` (callId, the result's text) when the conversation has them.
const vscode = require('vscode');

exports.activate = (context) => {
  const requests = [];
  const script = [];
  let calls = 0;
  const isResult = (p) => p && typeof p.callId === 'string' && Array.isArray(p.content);
  const isCall = (p) => p && typeof p.callId === 'string' && typeof p.name === 'string' && !Array.isArray(p.content);
  const partsOf = (m) => (typeof m === 'string' ? [] : m.content);
  // a text part's text; a data part (LanguageModelDataPart: a tool's JSON result) as the text of its
  // bytes, as a model provider passes a JSON or text data part on to its model
  const valueOf = (p) => (p && typeof p.value === 'string' ? p.value : p && p.data && ArrayBuffer.isView(p.data) && /json|text/.test(String(p.mimeType)) ? new TextDecoder().decode(p.data) : '');
  const resultText = (r) => r.content.map(valueOf).join('');
  // the message's text parts: what a request's record shows
  const textOf = (m) => (typeof m === 'string' ? m : partsOf(m).map(valueOf).join(''));
  // all a message holds, calls and results included: what is counted as tokens
  const countedOf = (m) => (typeof m === 'string' ? m : partsOf(m).map((p) => (isResult(p) ? resultText(p) : isCall(p) ? `${p.name} ${JSON.stringify(p.input)}` : valueOf(p))).join(''));

  /** What the convention answers: calls for a `CALL` line, text for tool results, or null (echo). */
  function conventional(messages, tools) {
    const last = messages[messages.length - 1];
    const results = last ? partsOf(last).filter(isResult) : [];
    if (results.length) {
      const names = new Map(messages.flatMap((m) => partsOf(m).filter(isCall)).map((c) => [c.callId, c.name]));
      return { text: results.map((r) => `${names.get(r.callId) ?? r.callId} answered: ${resultText(r)}`).join('\n') };
    }
    if (!tools.length || !last) return null;
    const line = /^CALL (\S+) (.+)$/m.exec(textOf(last));
    return line ? { toolCalls: [{ name: line[1], arguments: JSON.parse(line[2]) }] } : null;
  }

  const provider = {
    provideLanguageModelChatInformation: () => [{ id: 'fake-echo', name: 'Fake Echo', family: 'echo', version: '1.0', maxInputTokens: 100000, maxOutputTokens: 10000, capabilities: { toolCalling: true } }],
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const text = messages.map(textOf).join('\n');
      const tools = options.tools ?? [];
      const record = { model: model.id, text };
      if (tools.length) {
        record.tools = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
        record.toolMode = options.toolMode;
      }
      const askedCalls = messages.flatMap((m) => partsOf(m).filter(isCall)).map((c) => ({ callId: c.callId, name: c.name, input: c.input }));
      if (askedCalls.length) record.toolCalls = askedCalls;
      const results = messages.flatMap((m) => partsOf(m).filter(isResult)).map((r) => ({ callId: r.callId, content: resultText(r) }));
      if (results.length) record.toolResults = results;
      requests.push(record);
      const next = script.shift() ?? conventional(messages, tools);
      if (next && next.error === 'blocked') throw vscode.LanguageModelError.Blocked('scripted: over quota');
      const answer = next ? (next.text ?? '') : `echo: ${text}`;
      for (const piece of answer ? answer.split(/(?<= )/) : []) {
        if (token.isCancellationRequested) return;
        progress.report(new vscode.LanguageModelTextPart(piece));
        await new Promise((r) => setTimeout(r, next && next.delayMs ? next.delayMs : 5));
      }
      for (const c of (next && next.toolCalls) || []) {
        if (token.isCancellationRequested) return;
        progress.report(new vscode.LanguageModelToolCallPart(c.id ?? `fake_call_${++calls}`, c.name, c.arguments ?? {}));
      }
    },
    provideTokenCount: async (model, text) => Math.ceil(countedOf(text).length / 4),
  };
  context.subscriptions.push(vscode.lm.registerLanguageModelChatProvider('fake', provider));
  // Fake Tests: Invoke a Language Model Tool: a tool picked from vscode.lm.tools, its input typed as
  // JSON, invoked with vscode.lm.invokeTool as an agent would (outside a chat, VS Code confirms it in
  // a modal dialog); the answer's text, or the error, opens in a new untitled editor
  context.subscriptions.push(
    vscode.commands.registerCommand('fakeTests.invokeTool', async () => {
      const name = await vscode.window.showQuickPick(vscode.lm.tools.map((t) => t.name).sort(), { title: 'Which tool?' });
      if (!name) return;
      const input = await vscode.window.showInputBox({ title: `Input of ${name} (JSON)`, value: '{}' });
      if (input === undefined) return;
      let answer;
      try {
        const r = await vscode.lm.invokeTool(name, { input: JSON.parse(input), toolInvocationToken: undefined });
        answer = `${name} answered:\n${r.content.map(valueOf).join('')}`;
      } catch (e) {
        answer = `${name} failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: answer }), { preview: false });
    }),
  );
  return { requests, script };
};
