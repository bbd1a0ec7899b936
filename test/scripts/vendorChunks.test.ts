// The built CLI keeps the libraries only some commands reach in chunks beside it (dist/vendor/,
// scripts/vendorChunks.mjs), and still reaches each: a run of `node dist/cli.js` through the
// Anthropic and Gemini SDKs (against the loopback providers' wire protocols), Vega (a chart drawn
// to SVG) and re2js (a template's regular expression), with the results a user sees. The libraries
// the engine imports statically and few commands use (the queue's, OpenTelemetry, the MCP SDK, Ajv,
// pg, the OpenAI SDK) are chunks loaded when one of their exports is first read: the tests that run `orc` with
// them (test/engine/distributed/, test/engine/telemetry/, test/engine/api/mcpServe.test.ts, the sql
// and agent tests) go through the chunks. The extension's engine (dist/engine.js) requires the same
// chunks. The language server's features keep the MCP SDK's client and re2js in chunks there too
// (test/engine/mcp/mcp.test.ts has the server list an MCP server's tools through it).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';
import { CLI, orcAsync, ROOT } from '../helpers/cli';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

describe('the CLI\'s vendor chunks', function () {
  this.timeout(60_000);
  let server: LoopbackProviders;
  let dir: string;
  before(async () => {
    server = await new LoopbackProviders().start();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-vendor-')));
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the CLI (dist/cliMain.js, which dist/cli.js loads) holds none of them, and each is a chunk beside it', () => {
    const cli = fs.readFileSync(path.join(ROOT, 'dist', 'cliMain.js'), 'utf8');
    for (const [pkg, file] of [['@anthropic-ai/sdk', 'anthropic-sdk.js'], ['@google/genai', 'google-genai.js'], ['vega', 'vega.js'], ['vega-lite', 'vega-lite.js'], ['@aws-sdk/client-s3', 'aws-sdk-client-s3.js'], ['re2js', 're2js.js']]) {
      assert.ok(fs.statSync(path.join(ROOT, 'dist', 'vendor', file)).size > 100_000, `${pkg}'s chunk`);
      assert.ok(cli.includes(`require("./vendor/${file}")`), `${pkg} required from its chunk`);
      assert.ok(!cli.includes(`// node_modules/${pkg}/`), `${pkg} not in dist/cliMain.js`);
    }
  });

  it("the libraries the engine imports statically and few commands use (the queue's, OpenTelemetry, the MCP SDK, Ajv, pg, the OpenAI SDK) are chunks no command loads before it uses them", () => {
    const cli = fs.readFileSync(path.join(ROOT, 'dist', 'cliMain.js'), 'utf8');
    // (Ajv's compiler: the pipeline schema's validator, compiled at build time, needs only its 30-line ucs2length)
    const chunks: [string, string][] = [['bullmq', 'bullmq.js'], ['ioredis', 'ioredis.js'], ['@opentelemetry/sdk-trace-base', 'opentelemetry.js'], ['@opentelemetry/api', 'opentelemetry.js'], ['@modelcontextprotocol/sdk', 'mcp-sdk.js'], ['zod', 'mcp-sdk.js'], ['ajv/dist/compile', 'ajv.js'], ['pg', 'pg.js'], ['openai', 'openai.js']];
    for (const [pkg, file] of chunks) {
      assert.ok(cli.includes(`require("./vendor/${file}")`), `${pkg} required from its chunk`);
      assert.ok(!cli.includes(`// node_modules/${pkg}/`), `${pkg} not in dist/cliMain.js`);
      assert.ok(fs.readFileSync(path.join(ROOT, 'dist', 'vendor', file), 'utf8').includes(`// node_modules/${pkg}/`), `${pkg} in ${file}`);
    }
    // one ioredis and one Ajv in a process: the chunks that use them require their chunks
    const bull = fs.readFileSync(path.join(ROOT, 'dist', 'vendor', 'bullmq.js'), 'utf8');
    assert.ok(bull.includes('require("./ioredis.js")') && !bull.includes('// node_modules/ioredis/'), "bullmq's chunk requires ioredis's chunk and holds no ioredis of its own");
    const mcp = fs.readFileSync(path.join(ROOT, 'dist', 'vendor', 'mcp-sdk.js'), 'utf8');
    assert.ok(mcp.includes('require("./ajv.js")["ajv"]') && !mcp.includes('// node_modules/ajv/'), "the MCP SDK's chunk requires Ajv's chunk and holds no Ajv of its own");
    // Node's own account of what a command loads (NODE_DEBUG=module names each file it loads)
    const dir2 = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orc-lazy-')));
    try {
      fs.writeFileSync(path.join(dir2, 'a.pipeline.yaml'), 'id: a\nsteps:\n  - id: s\n    action: generate\n    parameters: { prompt: hi }\n');
      fs.writeFileSync(path.join(dir2, 'b.pipeline.yaml'), 'id: b\nsteps:\n  - id: w\n    tool: filesystem\n    action: write\n    parameters: { path: out.txt, content: hi }\n');
      // with the compile cache off, and on (what the CLI requires is in the account either way)
      for (const cache of ['off', 'on'] as const) {
        for (const args of [['--version'], ['validate', 'a.pipeline.yaml'], ['plan', 'a.pipeline.yaml'], ['run', 'b.pipeline.yaml']]) {
          const env = { ...process.env, NODE_DEBUG: 'module,orc_code_cache', ...(cache === 'off' ? { NODE_DISABLE_COMPILE_CACHE: '1' } : { ORCHESTRATOR_COMPILE_CACHE: path.join(dir2, 'compile-cache') }) };
          const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir2, env, encoding: 'utf8' });
          assert.equal(r.status, 0, `orc ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
          const loaded = r.stderr.split('\n').filter((l) => /load "/.test(l)).map((l) => /load "([^"]+)"/.exec(l)![1]);
          // the CLI's bundle: required by Node's loader with the cache off, loaded with its code cache
          // with it on (engine/api/compileCache.ts, which says so on orc_code_cache)
          const cliMain = path.join(ROOT, 'dist', 'cliMain.js');
          const account = cache === 'off' ? loaded.some((f) => f === cliMain) : r.stderr.includes(`code cache of ${cliMain} `);
          assert.ok(account, `orc ${args.join(' ')} (compile cache ${cache}): the account is read`);
          assert.deepEqual(loaded.filter((f) => f.includes(`${path.sep}vendor${path.sep}`)), [], `orc ${args.join(' ')} (compile cache ${cache}) loads no chunk`);
        }
      }
    } finally {
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });

  it("the extension's engine (dist/engine.js) holds none of them either: loading it loads no chunk, and a run through it reaches Claude through its chunk", async () => {
    const engine = fs.readFileSync(path.join(ROOT, 'dist', 'engine.js'), 'utf8');
    for (const file of ['anthropic-sdk.js', 'google-genai.js', 'vega.js', 'aws-sdk-client-s3.js', 'bullmq.js', 'ioredis.js', 'opentelemetry.js', 'mcp-sdk.js', 'ajv.js', 'pg.js', 'openai.js']) assert.ok(engine.includes(`require("./vendor/${file}")`), `dist/engine.js requires ${file}`);
    server.responder = () => ({ text: 'claude says hi' });
    // a process of its own, as the extension host is: what loading the engine loads, then a run
    const script = [
      `const engine = require(${JSON.stringify(path.join(ROOT, 'dist', 'engine.js'))});`,
      `const chunks = () => Object.keys(require.cache).filter((f) => f.includes('${path.sep}vendor${path.sep}')).map((f) => f.split('${path.sep}').pop()).sort();`,
      'const before = chunks();',
      `const text = 'id: c\\nsteps:\\n  - id: claude\\n    action: generate\\n    model: anthropic:claude-haiku-4-5\\n    parameters: { prompt: \\"Say hi\\" }\\noutputs:\\n  said: \\"{{ claude.result }}\\"\\n';`,
      `engine.runPipeline(engine.analyze(text), { cwd: ${JSON.stringify(dir)}, checkpoint: false, models: engine.createModelRunner({ env: process.env }) })`,
      '  .then((doc) => console.log(JSON.stringify({ before, status: doc.status, outputs: doc.outputs, after: chunks() })), (e) => { console.error(e); process.exit(1); });',
    ].join('\n');
    // (asynchronously: the loopback provider answers from this process)
    const r = await promisify(execFile)(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.origin } });
    assert.deepEqual(JSON.parse(r.stdout), { before: [], status: 'completed', outputs: { said: 'claude says hi' }, after: ['anthropic-sdk.js'] });
  });

  it("the language server's features hold neither the MCP SDK's client nor re2js: each is a chunk they require when first used", () => {
    const features = fs.readFileSync(path.join(ROOT, 'dist', 'serverFeatures.js'), 'utf8');
    const client = fs.readFileSync(path.join(ROOT, 'dist', 'vendor', 'mcp-client.js'), 'utf8');
    for (const file of ['mcp-client.js', 're2js.js']) assert.ok(features.includes(`require("./vendor/${file}")`), `dist/serverFeatures.js requires ${file}`);
    // (minified: the protocol's own strings and re2js's names are what stays readable)
    assert.ok(client.includes('mcp-session-id') && !features.includes('mcp-session-id'), "the SDK's HTTP transport is in the chunk, not in the features");
    assert.ok(client.includes('notifications/initialized') && !features.includes('notifications/initialized'), "the SDK's client is in the chunk, not in the features");
    assert.ok(!features.includes('RE2JSSyntaxException'), 're2js is not in the features');
    // what it requires the chunk for, named as the SDK exports it
    const chunk = require(path.join(ROOT, 'dist', 'vendor', 'mcp-client.js')) as Record<string, unknown>;
    assert.deepEqual(['Client', 'StreamableHTTPClientTransport', 'ReadBuffer', 'serializeMessage'].map((n) => typeof chunk[n]), ['function', 'function', 'function', 'function']);
  });

  it('a run reaches Claude, Gemini, OpenAI, Vega and RE2 through them', async () => {
    const earlier = server.requests.length;
    server.responder = (body) => {
      const text = JSON.stringify(body);
      return { text: text.includes('to Claude') ? 'claude says hi' : text.includes('to GPT') ? 'gpt says hi' : 'gemini says hi' };
    };
    fs.writeFileSync(
      path.join(dir, 'three.pipeline.yaml'),
      [
        'id: three',
        'steps:',
        '  - id: claude',
        '    action: generate',
        '    model: anthropic:claude-haiku-4-5',
        '    parameters: { prompt: "Say hi to Claude" }',
        '  - id: gemini',
        '    action: generate',
        '    model: google:gemini-2.5-flash',
        '    parameters: { prompt: "Say hi to Gemini" }',
        '  - id: gpt',
        '    action: generate',
        '    model: openai:gpt-4o-mini',
        '    parameters: { prompt: "Say hi to GPT" }',
        '  - id: chart',
        '    tool: visualization',
        '    action: create_charts',
        '    parameters:',
        '      data: "month,rain\\n2024-01,80\\n2024-02,60"',
        '      chart_types: [bar]',
        '      output_dir: charts',
        'outputs:',
        '  claude: "{{ claude.result }}"',
        '  gemini: "{{ gemini.result }}"',
        '  gpt: "{{ gpt.result }}"',
        '  shout: "{{ gemini.result | regex_replace(\'h[a-z]$\', \'HI\') }}"',
      ].join('\n') + '\n',
    );
    const r = await orcAsync(['run', 'three.pipeline.yaml', '--json'], {
      cwd: dir,
      isolated: true,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.origin, GEMINI_API_KEY: 'g-test', GOOGLE_GEMINI_BASE_URL: server.origin, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.origin}/v1` },
    });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { status: string; outputs: Record<string, string> };
    assert.deepEqual([doc.status, doc.outputs], ['completed', { claude: 'claude says hi', gemini: 'gemini says hi', gpt: 'gpt says hi', shout: 'gemini says HI' }]);
    assert.deepEqual(server.requests.slice(earlier).map((q) => q.path.replace(/models\/.*/, 'models/…')).sort(), ['/v1/chat/completions', '/v1/messages', '/v1beta/models/…']);
    assert.match(fs.readFileSync(path.join(dir, 'charts', 'bar_chart.svg'), 'utf8'), /^<svg/);
  });
});
