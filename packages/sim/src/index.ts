/**
 * @tessera/sim: the checkers of the guarantees the simulator verifies. Pure functions over
 * recorded histories — no clock, no randomness — so a verdict replays exactly with its seed.
 */
export type {
  AnyOperation,
  ClientId,
  HistoryErrorCode,
  Operation,
  OpStatus,
} from './check/history';
export { assertWellTimed, describeInterval, HistoryError } from './check/history';

export type { Model, Rejected } from './check/model';
export { rejected } from './check/model';

export type {
  CasInput,
  RegisterCas,
  RegisterModelOptions,
  RegisterOp,
  RegisterRead,
  RegisterState,
  RegisterValue,
  RegisterWrite,
} from './check/register';
export { createRegisterModel, describeRegisterOp, registerModel } from './check/register';

export type {
  KeyFail,
  KeyOk,
  KeyUnknown,
  KeyVerdict,
  LinearizabilityOptions,
  LinearizabilityVerdict,
  LinearizedOp,
  PendingOp,
} from './check/linearizability';
export { checkLinearizability, defaultStepBudgetPerKey, failedKeys } from './check/linearizability';
export type { FormatOptions } from './check/linearizability-report';
export { formatLinearizabilityVerdict, opLine } from './check/linearizability-report';

export type {
  BankOp,
  BankOptions,
  BankRead,
  BankTransfer,
  BankVerdict,
  BankViolation,
  SnapshotReadOutput,
  TransferInput,
  TransferOutput,
} from './check/bank';
export {
  checkBank,
  checkBankSnapshots,
  checkLostUpdates,
  describeBankViolation,
  formatBankVerdict,
} from './check/bank';

export type {
  AcknowledgedWrite,
  AcknowledgedWritesInput,
  AcknowledgedWritesVerdict,
  AcknowledgedWriteViolation,
  UncertainWrite,
} from './check/acknowledged-writes';
export {
  checkAcknowledgedWrites,
  formatAcknowledgedWritesVerdict,
} from './check/acknowledged-writes';

export type { AppliedMap, NodeLoad } from './check/slice-maps';
export {
  checkBalanced,
  checkCoverage,
  checkDrain,
  checkMembersUnchanged,
  checkNeverBelowReplicas,
  nodeLoads,
} from './check/slice-maps';
export {
  checkHotRerank,
  checkRerankBeforeReplace,
  loadReranksOff,
} from './check/rebalancer-history';
