// The bridge vocabulary lives in the shared protocol module (common/protocol/bridge.ts); re-exported here for the
// control plane's own modules. No electron import here.
export {
  BRIDGE_GLOBAL,
  CHANNEL_PREFIX,
  EVENT_CHANNEL,
  channelFor,
  isBridgeResult,
  operationOfChannel,
  unwrap,
  type BridgeResult,
  type RendererBridge,
} from '../../common/protocol/bridge.js';
export { OPERATION_INPUTS, OPERATION_NAMES, isOperationName, type OperationName } from './schemas.js';
