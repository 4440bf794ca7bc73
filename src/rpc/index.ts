/**
 * The RPC transport, and nothing about any one service: the unary gRPC server over node:http2
 * (UnaryGrpcServer), the Connect handler for the HTTP port, the interceptors both ports share
 * (auth, error mapping), TLS, connection caps, addresses. docs/architecture-rpc.md.
 */

export { type Access, type AccessRules, accessInterceptor, admit, admitTrial } from './access.js';
export { formatHostPort, HOST_PORT_RULE, type HostPort, tryParseHostPort } from './address.js';
export { type Bearer, bearerOf, DbManagerAuth, type DbManagerAuthOptions, MIN_SECRET_BYTES } from './auth.js';
export { authorizeHttp, TOKEN_COOKIE } from './auth-http.js';
export { connectHandler } from './connect-handler.js';
export { type ConnectServerOptions, createConnectServer } from './connect-server.js';
export { capConnections } from './connection-cap.js';
export { toConnectError } from './errors.js';
export { grpcServiceDefinition } from './grpc-js-definition.js';
export { decode, type FastPaths, grpcServiceHandlers, type RpcService } from './grpc-service-handlers.js';
export { healthService } from './health-service.js';
export { listenHttp, shutdownHttp } from './http-listen.js';
export { type HttpHandler, HttpRoutes } from './http-routes.js';
export { DB_MANAGER_GRPC, HEALTH_GRPC } from './katib-grpc-js-definitions.js';
export { logFailures } from './log-interceptor.js';
export { GrpcError, type UnaryCallContext, type UnaryHandler } from './server-call.js';
export { readCaFile, readTlsMaterial, type TlsFields, type TlsMaterial } from './tls.js';
export { UnaryGrpcServer, type UnaryGrpcServerOptions } from './unary-grpc-server.js';
