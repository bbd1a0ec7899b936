// The workbenches several suites share, one after the other (`personWorkbench`'s `share`; the files
// are next to each other in scripts/e2e.mjs): a workbench's start with its first test costs 25-40 s
// of CPU (2026-11-28, quiet, on a fast and a slow day of this machine), and each shared one saves
// that for every suite after its first.
// - agentWorkbench: the suites that run agents and models in the graph panel (agents.test.ts,
//   guardrails.test.ts, agentTranscript.test.ts) and the agent tools' trusted suite
//   (languageModelTools.test.ts): trusted, Light Modern, the editor's AI features on (the MCP server
//   list is one), the fake language-model extension installed, and OpenAI's SDK in the extension
//   host pointed at one loopback server speaking OpenAI's protocol.
// - editingWorkbench: the suites that edit files a test then reverts, run evals in the Test
//   Explorer and open ContextLab's files (graphEdit.test.ts, evalTrials.test.ts,
//   languageSwitch.test.ts): trusted, Light Modern, no auto save (a test's edit stays in the editor
//   until it reverts it), no line past the last, no peek view opening by itself on a failed case (a
//   flaky case's failures are its trials').
// - personAndEvalWorkbench: workbench.test.ts's person suite, then its eval suite: trusted, Light
//   Modern, the failure's peek in the eval file as for any test framework's failure, no auto save
//   as desktop VS Code has it (Optimize's Apply leaves the pipeline unsaved). The person suite leaves
//   it light and without its generated 5,000-step pipeline.
// - restrictedWorkbench: the Restricted Mode suites, workbench.test.ts's and then
//   languageModelToolsRestricted.test.ts's, which trusts the folder at its end: untrusted, Light
//   Modern, the fake language-model extension installed.
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { installFakeLanguageModel } from './fakeLanguageModel/install';
import { personWorkbench, type PersonWorkbench } from './ui';

/** The loopback model server of the process, started by the first suite that asks for it. */
const provider = new LoopbackProviders();
let started: Promise<unknown> | undefined;

/** The shared workbench and its model server, which each suite finds as a fresh one: no request
 * recorded, nothing scripted, no responder, no rate limit. */
export function agentWorkbench(): { s: PersonWorkbench; provider: LoopbackProviders } {
  // registered before the workbench's own hooks: the server's address is known when it starts
  before(async () => {
    await (started ??= provider.start().then(() => provider.unref()));
    provider.requests.length = 0;
    provider.script.length = 0;
    provider.responder = null;
    provider.fallback = {};
    provider.rateLimit = null;
  });
  const s = personWorkbench({
    share: 'agents',
    trusted: true,
    settings: { 'workbench.colorTheme': 'Default Light Modern', 'chat.disableAIFeatures': false },
    env: () => ({ OPENAI_API_KEY: 'sk-loopback-e2e', OPENAI_BASE_URL: `${provider.origin}/v1` }),
    extensionsDir: installFakeLanguageModel,
  });
  return { s, provider };
}

/** The shared workbench of the editing and eval suites. */
export function editingWorkbench(): PersonWorkbench {
  return personWorkbench({
    share: 'editing',
    trusted: true,
    settings: { 'workbench.colorTheme': 'Default Light Modern', 'files.autoSave': 'off', 'editor.scrollBeyondLastLine': false, 'testing.automaticallyOpenPeekView': 'never' },
  });
}

/** The shared workbench of the Restricted Mode suites (the last of them trusts its folder). */
export function restrictedWorkbench(): PersonWorkbench {
  return personWorkbench({ share: 'restricted', trusted: false, settings: { 'workbench.colorTheme': 'Default Light Modern' }, extensionsDir: installFakeLanguageModel });
}

/** The shared workbench of workbench.test.ts's person and eval suites. */
export function personAndEvalWorkbench(): PersonWorkbench {
  return personWorkbench({ share: 'person', trusted: true, settings: { 'workbench.colorTheme': 'Default Light Modern', 'testing.automaticallyOpenPeekView': 'failureAnywhere', 'files.autoSave': 'off' } });
}
