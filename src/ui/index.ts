// The dashboard: mount it on a DB manager's HTTP routes (`katib server`, `katib run --ui`).
export type { DashboardActions } from './dashboard-api.js';
export { type Dashboard, type DashboardOptions, type MountPoint, mountDashboard } from './mount-dashboard.js';
export { DEFAULT_ASSETS_DIR } from './static-assets.js';
export type * from './wire.js';
