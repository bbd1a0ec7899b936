import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { loadShipped } from './shippedBuild';
const ECHO = `id: echo
parameters:
  text: {type: string, required: true}
steps:
  - id: render
    tool: data
    action: convert
    parameters: {data: "{{ text }}", format: json}
outputs:
  echoed: "{{ render.result.content }}"
`;
async function main() {
  const e = await loadShipped();
  const mk = () => { const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-prof-')); fs.writeFileSync(path.join(dir, 'echo.pipeline.yaml'), ECHO); return dir; };
  const dirO = mk(), dirP = mk();
  const s = await e.startServer({ root: dirO, host: '127.0.0.1', port: 0, tokens: new e.Tokens([]), version: 'bench', log: () => undefined, watch: false });
  const file = path.join(dirP, 'echo.pipeline.yaml');
  const a = e.analyze(ECHO, { pipelineFile: file });
  const models = e.createModelRunner({ env: process.env });
  const registry = e.registryOrShipped();
  const server = http.createServer((req, res) => { let body = ''; req.setEncoding('utf8').on('data', (c) => (body += c)); req.on('end', () => { e.runPipeline(a, { cwd: dirP, inputs: JSON.parse(body || '{}'), pipelineFile: file, source: ECHO, models, registry, predict: true }).then((doc) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(doc)); }); }); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const urls = { ours: `${s.url}/pipelines/echo/runs`, peer: `http://127.0.0.1:${(server.address() as { port: number }).port}/` };
  const N = Number(process.argv[2] ?? 1000);
  const cpu = { ours: 0, peer: 0 }, wall = { ours: 0, peer: 0 };
  for (let b = 0; b < N / 10; b++) for (const side of (b % 2 ? ['ours', 'peer'] : ['peer', 'ours']) as ('ours' | 'peer')[]) {
    const t0 = performance.now(); const c0 = process.cpuUsage();
    for (let j = 0; j < 10; j++) {
      const i = b * 10 + j;
      const r = await fetch(urls[side], { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=30' }, body: JSON.stringify({ text: `call ${i}` }) });
      const jd = (await r.json()) as { outputs: { echoed: string } };
      if (jd.outputs.echoed !== JSON.stringify(`call ${i}`)) throw new Error('bad');
    }
    const c = process.cpuUsage(c0); cpu[side] += (c.user + c.system) / 1000; wall[side] += performance.now() - t0;
  }
  console.log('cpu ms/req ours', (cpu.ours / N).toFixed(3), 'peer', (cpu.peer / N).toFixed(3), 'wall ours', (wall.ours / N).toFixed(3), 'peer', (wall.peer / N).toFixed(3));
  await s.close(); server.close();
}
void main();
