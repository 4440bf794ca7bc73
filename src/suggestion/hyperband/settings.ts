import type { Experiment, ParameterSpec } from '../../api/experiment.js';
import type { Issues } from '../issues.js';
import { collectSettings, numberInRange, RANDOM_STATE, type SettingsSchema } from '../settings.js';
import { collectSearchSpace, type SearchSpace } from '../space/index.js';
import { parseDecimal } from '../space/numbers.js';
import type { DoubleParam, IntParam } from '../space/types.js';
import { minParallelTrials, resourceValues, type Schedule, scheduleOf } from './schedule.js';

/** Katib's hyperband default reduction factor. */
export const DEFAULT_ETA = 3;

const SETTINGS = 'spec.algorithm.algorithmSettings';

/**
 * Katib's hyperband settings: `r_l` (the maximum resource, required), `resource_name` (the
 * parameter that carries the resource, required), `eta` (default 3), plus `random_state` for the
 * draws of each bracket's first rung. Katib's own service also writes its loop state (s_max, n,
 * current_s, ...) back as settings; this one is stateless and takes none of them.
 */
const SCHEMA: SettingsSchema = {
  ...RANDOM_STATE,
  eta: {
    check: (value) => {
      const x = parseDecimal(value);
      return x !== undefined && Number.isInteger(x) && x >= 2 ? undefined : 'must be a whole number >= 2';
    },
  },
  // Below 1 Katib's s_max goes negative and its service suggests nothing at all; the top
  // keeps every resource value an exact whole number when it is one.
  r_l: { ...numberInRange({ atLeast: 1, atMost: Number.MAX_SAFE_INTEGER }), required: true },
  resource_name: {
    check: (value) => (value.trim() === '' ? 'must name a parameter' : undefined),
    required: true,
  },
};

/** Everything one hyperband request needs, settings read and checked against the space. */
export interface HyperbandPlan {
  space: SearchSpace;
  schedule: Schedule;
  /** Index of the resource parameter in `space.params`. */
  resource: number;
  /** The resource parameter is an int: resource values are cut to whole numbers. */
  integer: boolean;
  randomState: string | undefined;
}

/**
 * Reads and checks the settings, the space and how they fit together, adding every problem to
 * `issues`: the resource parameter must exist and be int or double. With `parallelRule`, also
 * Katib's rule that parallelTrialCount >= eta^s_max. Undefined when something is wrong.
 *
 * The resource parameter's feasible space does not bound the schedule: Katib's service sets the
 * resource to r_l * eta^-k whatever the parameter declares, and Katib's own hyperband example
 * declares `num-epochs` as [1, 1] with r_l 2. The plan's space carries the resource parameter
 * widened to the schedule's values (see scheduleDriven), so trials at those values read back.
 */
export function collectPlan(
  experiment: Experiment,
  issues: Issues,
  parallelRule: boolean,
): HyperbandPlan | undefined {
  const before = issues.list.length;
  const settings = collectSettings(experiment, 'hyperband', SCHEMA, issues);
  const space = collectSearchSpace(experiment.spec.parameters, issues);
  const rlText = settings.get('r_l');
  const resourceName = settings.get('resource_name');
  const eta = Number(settings.get('eta') ?? DEFAULT_ETA);
  const schedule = rlText === undefined ? undefined : scheduleOf(parseDecimal(rlText)!, eta);
  const parameters = Array.isArray(experiment.spec.parameters) ? experiment.spec.parameters : [];
  if (resourceName !== undefined) checkResourceParameter(experiment, parameters, resourceName, issues);
  if (parallelRule && schedule !== undefined) {
    const least = minParallelTrials(schedule);
    if (experiment.spec.parallelTrialCount < least) {
      issues.add(
        'spec.parallelTrialCount',
        experiment.spec.parallelTrialCount,
        `must be at least ${least} for hyperband with r_l ${rlText} and eta ${eta} ` +
          `(Katib's rule: eta^s_max, the first rung of the largest bracket)`,
      );
    }
  }
  if (schedule === undefined || resourceName === undefined) return undefined;
  if (issues.list.length > before) return undefined;

  const resource = space.params.findIndex((p) => p.name === resourceName);
  const param = space.params[resource] as IntParam | DoubleParam;
  const integer = param.kind === 'int';
  const values = resourceValues(schedule, integer);
  const params = [...space.params];
  params[resource] = scheduleDriven(param, values);
  return {
    space: { params, size: params.reduce((n, p) => n * p.count, 1) },
    schedule,
    resource,
    integer,
    randomState: settings.get('random_state'),
  };
}

function checkResourceParameter(
  experiment: Experiment,
  parameters: readonly ParameterSpec[],
  resourceName: string,
  issues: Issues,
): void {
  const declared = parameters.findIndex((p) => p.name === resourceName);
  const at = (experiment.spec.algorithm?.algorithmSettings ?? []).findIndex(
    (s) => s.name === 'resource_name',
  );
  const field = `${SETTINGS}[${at}].value`;
  if (declared < 0) {
    const names = parameters.map((p) => p.name).join(', ');
    issues.add(field, resourceName, `must name one of the parameters (${names})`);
    return;
  }
  const type = parameters[declared]!.parameterType;
  if (type !== 'int' && type !== 'double') {
    issues.add(
      field,
      resourceName,
      `names a ${type} parameter; hyperband's resource must be an int or double parameter`,
    );
  }
}

/**
 * The resource parameter as the schedule drives it: its range widened to cover every resource
 * value, and its step dropped when a value is off it (an int keeps step 1: resource values are
 * cut to whole numbers). The other parameters keep their feasible spaces.
 */
function scheduleDriven(param: IntParam | DoubleParam, values: readonly number[]): IntParam | DoubleParam {
  const min = Math.min(param.min, ...values);
  const max = Math.max(param.max, ...values);
  const step = param.step;
  const onStep =
    step !== undefined &&
    values.every((v) => Math.abs((v - min) / step - Math.round((v - min) / step)) < 1e-9);
  if (param.kind === 'int') {
    const s = onStep ? param.step : 1;
    return { ...param, min, max, step: s, count: Math.floor((max - min) / s) + 1 };
  }
  if (onStep && step !== undefined) {
    return { ...param, min, max, count: Math.floor(((max - min) / step) * (1 + 1e-12) + 1e-9) + 1 };
  }
  const { step: _dropped, decimals: _unused, ...rest } = param;
  return { ...rest, min, max, count: min === max ? 1 : Number.POSITIVE_INFINITY };
}
