import { drain } from './drain';
import { nodeAdd } from './node-add';
import { rerank } from './rerank';
import type { Scenario, ScenarioName } from './scenario';
import { split } from './split';
import { zoneLoss } from './zone-loss';

/** Every issue-5 scenario by name (`npm run sim -- --<name>`). */
export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  'zone-loss': zoneLoss,
  'node-add': nodeAdd,
  drain,
  split,
  rerank,
};
