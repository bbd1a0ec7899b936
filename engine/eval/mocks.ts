// Mocks of a step case (`mocks: [{tool, args, result | error, delay_ms}]`): tool calls answered by
// tool and argument match instead of running the tool.

/** One mock that answered, as the case's result lists it. */
export interface MockedCall {
  /** The step whose call it answered. */
  step: string;
  tool: string;
  args: unknown;
  /** `result` or `error`: what it answered with. */
  answered: 'result' | 'error';
  /** How many calls it answered. */
  calls: number;
}
