import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import {
  EarlyStopping,
  type GetEarlyStoppingRulesReply,
  GetEarlyStoppingRulesRequestSchema,
  type GetSuggestionsReply,
  GetSuggestionsRequestSchema,
  type SetTrialStatusReply,
  SetTrialStatusRequestSchema,
  Suggestion,
  type ValidateAlgorithmSettingsReply,
  ValidateAlgorithmSettingsRequestSchema,
  type ValidateEarlyStoppingSettingsReply,
  ValidateEarlyStoppingSettingsRequestSchema,
} from '../../src/gen/api/v1/beta1/api_pb.js';
import {
  HealthCheckRequestSchema,
  type HealthCheckResponse,
} from '../../src/gen/grpc/health/v1/health_pb.js';
import { grpcServiceDefinition, HEALTH_GRPC } from '../../src/rpc/index.js';

type Unary = (req: unknown, cb: (err: ServiceError | null, reply: unknown) => void) => void;
type GrpcClient = Record<string, Unary> & { close(): void };

/** Real grpc-js clients (protobuf-es serializers) of Katib's Suggestion, EarlyStopping and Health. */
export class ServiceClients {
  readonly #suggestion: GrpcClient;
  readonly #earlyStopping: GrpcClient;
  readonly #health: GrpcClient;

  constructor(address: string) {
    const make = (definition: ReturnType<typeof grpcServiceDefinition>, name: string): GrpcClient => {
      const Client = makeGenericClientConstructor(definition, name);
      return new Client(address, credentials.createInsecure()) as never;
    };
    this.#suggestion = make(grpcServiceDefinition(Suggestion), 'Suggestion');
    this.#earlyStopping = make(grpcServiceDefinition(EarlyStopping), 'EarlyStopping');
    this.#health = make(HEALTH_GRPC, 'Health');
  }

  getSuggestions(req: MessageInitShape<typeof GetSuggestionsRequestSchema>): Promise<GetSuggestionsReply> {
    return invoke(this.#suggestion, 'getSuggestions', create(GetSuggestionsRequestSchema, req));
  }
  validateAlgorithmSettings(
    req: MessageInitShape<typeof ValidateAlgorithmSettingsRequestSchema>,
  ): Promise<ValidateAlgorithmSettingsReply> {
    return invoke(
      this.#suggestion,
      'validateAlgorithmSettings',
      create(ValidateAlgorithmSettingsRequestSchema, req),
    );
  }
  getEarlyStoppingRules(
    req: MessageInitShape<typeof GetEarlyStoppingRulesRequestSchema>,
  ): Promise<GetEarlyStoppingRulesReply> {
    return invoke(
      this.#earlyStopping,
      'getEarlyStoppingRules',
      create(GetEarlyStoppingRulesRequestSchema, req),
    );
  }
  setTrialStatus(req: MessageInitShape<typeof SetTrialStatusRequestSchema>): Promise<SetTrialStatusReply> {
    return invoke(this.#earlyStopping, 'setTrialStatus', create(SetTrialStatusRequestSchema, req));
  }
  validateEarlyStoppingSettings(
    req: MessageInitShape<typeof ValidateEarlyStoppingSettingsRequestSchema>,
  ): Promise<ValidateEarlyStoppingSettingsReply> {
    return invoke(
      this.#earlyStopping,
      'validateEarlyStoppingSettings',
      create(ValidateEarlyStoppingSettingsRequestSchema, req),
    );
  }
  check(service: string): Promise<HealthCheckResponse> {
    return invoke(this.#health, 'check', create(HealthCheckRequestSchema, { service }));
  }

  close(): void {
    this.#suggestion.close();
    this.#earlyStopping.close();
    this.#health.close();
  }
}

function invoke<T>(client: GrpcClient, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, req, (err, reply) => (err ? reject(err) : resolve(reply as T)));
  });
}

/** The ServiceError of a call that must fail. */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('call succeeded but was expected to fail');
}
