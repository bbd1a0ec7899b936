// The floor of bench/durable.bench.ts: a hand-written Restate workflow making N `ctx.run` calls,
// each doing what the bench's no-op step's tool does (in a row, or together with
// RestatePromise.all). Loaded by the bench after it has quietened the SDK's log.
import * as restate from '@restatedev/restate-sdk';

export { restate };

export const bareWorkflow = restate.workflow({
  name: 'bare_bench',
  handlers: {
    run: async (ctx: restate.WorkflowContext, req: { n: number; together: boolean }): Promise<number> => {
      const work = () => ({ success: true, result: JSON.parse('1') as unknown });
      if (req.together) await restate.RestatePromise.all(Array.from({ length: req.n }, (_, i) => ctx.run(`s${i}`, work)));
      else for (let i = 0; i < req.n; i++) await ctx.run(`s${i}`, work);
      return req.n;
    },
  },
});
