// The operations' input schemas live in the shared protocol module (common/protocol/operations.ts); re-exported
// here for the control plane's own modules.
export {
  OPERATION_INPUTS,
  OPERATION_NAMES,
  createKeyInput,
  isOperationName,
  type OperationInput,
  type OperationName,
  type ParsedInput,
} from '../../common/protocol/operations.js';
