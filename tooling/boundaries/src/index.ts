export { checkTree } from './check';
export type { CheckOptions, RuleId, Violation } from './check';
export { allowedImports, enginePackages, typeOnlyImports } from './graph';
