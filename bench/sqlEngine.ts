// What `npm run bench sql` measures of ours, bundled by the bench as dist/cliMain.js is built
// (esbuild, CommonJS, pg in its vendor chunk, SQLite's thread and WebAssembly beside it): the sql
// tool and its session, run as a user's `orc run` runs them, not from the sources through tsx
// (esbuild's keepNames wrapper on each closure a query makes, a getter for each import across
// modules).
export { createSqlTool, SqlSession } from '../engine/tools/sql/index';
