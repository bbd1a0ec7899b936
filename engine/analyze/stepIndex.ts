// Every step of a pipeline by id, with the list it stands in: what the step checks look a step up in.
import type { Step } from '../spec/types';
import type { StepListContext } from './templateScope';

export interface StepIndexEntry {
  step: Step;
  ctx: StepListContext;
}
