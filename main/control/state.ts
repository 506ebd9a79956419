// The control plane's state snapshot: everything the tray menu and the dashboard draw from, in one plain object.
export type { ReadinessSummary, ControlState } from '../../common/protocol/views.js';
