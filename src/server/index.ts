// `katib server`: the wiring point (manager/) with the management API served on its gRPC port.
export { experimentService, experimentServiceImpl, FIELD_METADATA_KEY } from './experiment-service.js';
export { type KatibServerOptions, type RunningKatibServer, startKatibServer } from './start-server.js';
