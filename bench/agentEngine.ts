// What `npm run bench agent` measures of ours, bundled by the bench as dist/cliMain.js is built
// (esbuild, CommonJS, the vendor chunks beside it): the engine's API, and the fetch our providers
// give the openai SDK, which the floor and LangGraph's ChatOpenAI are given too (one copy, from this
// bundle). Run from the sources through tsx instead, our side paid what no user's process does:
// esbuild's keepNames wrapper on every closure made, a getter for each import across modules, and
// source-mapped stacks (0.40 against 0.50 ms a turn over the floor at 1 turn, `--quick`, 2026-11-26).
export { analyze, createModelRunner, runPipeline } from '../engine/api/index';
export { modelFetch } from '../engine/models/httpTransport';
