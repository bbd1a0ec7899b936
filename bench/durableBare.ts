// The floor of bench/durable.bench.ts: a hand-written Restate workflow making N `ctx.run` calls,
// each doing what the bench's no-op step's tool does (in a row, or together with
// RestatePromise.all). Loaded by the bench after it has quietened the SDK's log.
// `turns` (in a row only): the journal's shape ours has in a chain (engine/durable/attempts.ts), each
// step two entries, a turn recording its plan and then its attempt, issued together and each end
// taken by a race with the run's cancel promise, and nothing else of ours: what that shape costs
// on Restate's side and in the SDK, apart from the engine's own work.
import * as restate from '@restatedev/restate-sdk';

export { restate };

export const bareWorkflow = restate.workflow({
  name: 'bare_bench',
  handlers: {
    run: async (ctx: restate.WorkflowContext, req: { n: number; together: boolean; turns?: boolean }): Promise<number> => {
      const work = () => ({ success: true, result: JSON.parse('1') as unknown });
      if (req.turns) {
        const cancel = ctx.promise<boolean>('cancel').get();
        for (let i = 0; i < req.n; i++) {
          const at = Date.now();
          const turn = ctx.run(`turn ${i + 1}`, async () => ({ plan: [`s${i}#1`], at }));
          const attempt = ctx.run(`attempt s${i}#1`, work);
          await restate.RestatePromise.race([turn.map(() => 'turn'), attempt.map(() => 'attempt'), cancel.map(() => 'cancel')]);
          await restate.RestatePromise.race([attempt.map(() => 'attempt'), cancel.map(() => 'cancel')]);
        }
        return req.n;
      }
      if (req.together) await restate.RestatePromise.all(Array.from({ length: req.n }, (_, i) => ctx.run(`s${i}`, work)));
      else for (let i = 0; i < req.n; i++) await ctx.run(`s${i}`, work);
      return req.n;
    },
  },
});
