// Issue #74 item 13: a hover in a 4.9 MB pipeline written as one flow mapping on one line
// (`{id: ..., steps: [{id: s0, ...}, ... 39,500 steps]}`) took 9.0 s quiet and 35.9 s on a loaded
// machine. The hover itself reads the analysis the diagnostics made (server/documents.ts caches it
// per version); what it waited for was that analysis, whose parse of the one line was left to the
// yaml library (7.7 of its 9.5 s). The plain reader now reads such a document
// (engine/parse/plainBlockYaml.ts, readPlainFlowDocument). The hovers near the line's end must say
// exactly what they say in a small document; how long they take is in `npm run bench lsp`.
import { strict as assert } from 'node:assert';
import type { Hover } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';
import { oneLinePipeline, ONE_LINE_STEPS } from '../../bench/oneLinePipeline';
import { parseYaml, PARSE_OPTIONS } from '../../engine/parse/yamlDocument';
import { readPlainFlowDocument } from '../../engine/parse/plainBlockYaml';

const URI = 'file:///work/one-line-document.pipeline.yaml';

describe('a hover in a 4.9 MB pipeline written on one line', function () {
  this.timeout(60_000);
  let client: LspClient;
  beforeEach(async () => {
    client = new LspClient('stdio');
    await client.initialize();
  });
  afterEach(() => client.stop());

  it("answers the last steps' tool, action, key and step reference, as in a small document", async () => {
    const text = oneLinePipeline();
    assert.ok(text.length > 4_900_000 && text.indexOf('\n') === text.length - 1, `${text.length} characters`);
    client.open(URI, text);
    const hoverAt = (character: number) => client.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position: { line: 0, character } });
    const last = ONE_LINE_STEPS - 1;
    const lastStep = text.lastIndexOf(`{id: s${last},`);
    // as an editor asks: at once after opening (the answer waits for the open's analysis)
    const tool = await hoverAt(text.indexOf('terminal', lastStep) + 3);
    assert.deepEqual(tool, {
      contents: { kind: 'markdown', value: '**tool `terminal`** — Runs a shell command. A non-zero exit is a reported failure; a timeout kills the command and every process it started.\n\nActions: `execute`' },
    });
    const diagnostics = await client.diagnosticsFor(URI, 1, 50_000);
    assert.deepEqual(diagnostics, []);
    // the reference to the step before the last
    const ref = text.indexOf(`[s${last - 1}]`, lastStep) + 1;
    assert.deepEqual(await hoverAt(ref + 2), {
      contents: { kind: 'markdown', value: `**step \`s${last - 1}\`** — Step ${last - 1}\n\n- does: \`terminal.execute\`\n- depends on: \`s${last - 2}\`\n\n_defined on line 1_` },
      range: { start: { line: 0, character: ref }, end: { line: 0, character: ref + `s${last - 1}`.length } },
    });
    // a key of the last step, and its action: exactly what they say in a small block-style document
    const small = 'file:///work/small.pipeline.yaml';
    const smallText = 'id: small\nsteps:\n  - id: a\n    tool: terminal\n    action: execute\n    parameters:\n      command: echo\n    dependencies: []\n';
    client.open(small, smallText);
    const smallHover = (line: number, character: number) => client.request<Hover | null>('textDocument/hover', { textDocument: { uri: small }, position: { line, character } });
    const keyHover = await hoverAt(text.indexOf('dependencies', lastStep) + 4);
    assert.deepEqual(keyHover, await smallHover(7, 8));
    assert.match(JSON.stringify(keyHover), /^\{"contents":\{"kind":"markdown","value":"\*\*`dependencies`\*\* — /);
    const action = await hoverAt(text.indexOf('execute', lastStep) + 2);
    assert.deepEqual(action, await smallHover(4, 14));
    assert.match(JSON.stringify(action), /^\{"contents":\{"kind":"markdown","value":"\*\*`terminal\.execute`\*\* — Runs a command in a shell and captures its output\.\\n\\n\| parameter \| type \| required \| \|\\n\|---\|---\|---\|---\|\\n\| `command` \| string \| yes \| The command line/);
    // and outside every step (the pipeline's id value): nothing
    assert.equal(await hoverAt(text.indexOf('one_line') + 2), null);
  });

  it('the one-line document is read by the plain reader (it was left to the library), exactly as the library reads it', () => {
    const read = readPlainFlowDocument(oneLinePipeline(), PARSE_OPTIONS);
    assert.ok(read, 'the plain reader declined the 4.9 MB document');
    assert.equal((read.value as { steps: unknown[] }).steps.length, ONE_LINE_STEPS);
    const text = oneLinePipeline(300);
    const parsed = parseYaml(text);
    // the lazily parsed Document is the library's: its value is the reader's
    assert.deepEqual(parsed.value, parsed.document.toJS());
    const steps = (parsed.value as { steps: unknown[] }).steps;
    assert.deepEqual(steps[299], { id: 's299', name: 'Step 299', tool: 'terminal', action: 'execute', parameters: { command: 'echo 299' }, dependencies: ['s298'] });
    const dep = parsed.spans!.children!.get('steps')!.children!.get(299)!.children!.get('dependencies')!.children!.get(0)!;
    assert.equal(text.slice(dep.start, dep.end), 's298');
  });
});
