// What the in-process benches measure of ours (agent, models, sql, serve), bundled by bench/shippedBuild.ts
// as dist/cliMain.js is built, so each figure is the shipped code's: the engine's API, the model
// runner, the sql tool and its session, and the fetch our providers give the openai SDK (which the
// benches' floors and peers are given too, one copy, from this bundle). Run from the sources through
// tsx, our side paid what no user's process does: esbuild's keepNames wrapper on every closure made,
// a getter for each import across modules, source-mapped stacks (the agent bench: 0.40 against 0.50
// ms a turn over the floor at 1 turn, `--quick`, 2026-11-26).
export { analyze, createModelRunner, runPipeline } from '../engine/api/index';
export { ProviderModelRunner } from '../engine/models/index';
export { modelFetch } from '../engine/models/httpTransport';
export { openaiProvider } from '../engine/models/openaiProvider';
export { createSqlTool, SqlSession } from '../engine/tools/sql/index';
export { registryOrShipped } from '../engine/api/index';
export { startServer } from '../engine/serve/server';
export { Tokens } from '../engine/serve/auth';
