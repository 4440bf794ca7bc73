import { create } from '@bufbuild/protobuf';
import { invalidArgument } from '../api/errors.js';
import type { Experiment } from '../api/experiment.js';
import {
  type GetSuggestionsReply,
  GetSuggestionsReplySchema,
  type GetSuggestionsRequest,
  type ValidateAlgorithmSettingsReply,
  ValidateAlgorithmSettingsReplySchema,
  type ValidateAlgorithmSettingsRequest,
} from '../gen/api/v1/beta1/api_pb.js';
import { getSuggester, type Suggester } from '../suggestion/index.js';
import { experimentFromProto } from './convert-experiment.js';
import { inStartOrder, trialFromProto } from './convert-trial.js';

/**
 * Katib's `api.v1.beta1.Suggestion` for one algorithm, without a transport: generated
 * protobuf-es messages in and out, the same Suggester the in-process controller calls. Katib
 * runs one suggestion service per algorithm; a request naming another algorithm is refused
 * (an empty name means this one). Errors are KatibErrors (`invalid_argument` naming the field).
 */
export class SuggestionService {
  readonly algorithm: string;
  readonly #suggester: Suggester;

  /** Throws `invalid_argument` (listing the known names) for an unknown algorithm. */
  constructor(algorithm: string) {
    this.#suggester = getSuggester(algorithm);
    this.algorithm = algorithm;
  }

  /**
   * `current_request_number` new assignments (fewer, or none, once the algorithm has no more),
   * each with an empty trial_name (Katib's controller names trials) and the algorithm's labels.
   */
  getSuggestions(request: GetSuggestionsRequest): GetSuggestionsReply {
    const experiment = this.#experiment(request.experiment);
    const count = request.currentRequestNumber;
    if (count < 0) throw invalidArgument('current_request_number', count, 'must be a whole number >= 0');
    const trials = inStartOrder(request.trials.map((t) => trialFromProto(t, experiment.metadata.name)));
    const suggestions = this.#suggester.suggest({ experiment, trials, count });
    return create(GetSuggestionsReplySchema, {
      parameterAssignments: suggestions.map((s) => ({
        assignments: s.assignments,
        trialName: '',
        labels: s.labels ?? {},
      })),
    });
  }

  /** Empty when the settings (and the space) suit the algorithm; `invalid_argument` naming every problem otherwise. */
  validateAlgorithmSettings(request: ValidateAlgorithmSettingsRequest): ValidateAlgorithmSettingsReply {
    this.#suggester.validateSettings(this.#experiment(request.experiment));
    return create(ValidateAlgorithmSettingsReplySchema);
  }

  #experiment(pb: GetSuggestionsRequest['experiment']): Experiment {
    const experiment = experimentFromProto(pb);
    const name = experiment.spec.algorithm.algorithmName;
    if (name === '') experiment.spec.algorithm.algorithmName = this.algorithm;
    else if (name !== this.algorithm) {
      throw invalidArgument(
        'spec.algorithm.algorithmName',
        name,
        `is not served here: this suggestion service runs ${this.algorithm}`,
      );
    }
    return experiment;
  }
}
