import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExperiment } from '../../src/spec/index.js';
import { docWith, problems } from './helpers.js';

const withFormats = (metricsFormat: string[]) =>
  docWith(
    (d) =>
      (d.spec.metricsCollectorSpec = {
        collector: { kind: 'StdOut' },
        source: { filter: { metricsFormat } },
      }),
  );

describe('metricsFormat filters', () => {
  it("accepts Katib's default filter and its File collector example (two or more groups)", () => {
    const formats = [
      '([\\w|-]+)\\s*=\\s*([+-]?\\d*(\\.\\d+)?([Ee][+-]?\\d+)?)',
      '{metricName: ([\\w|-]+), metricValue: ((-?\\d+)(\\.\\d+)?)}',
    ];
    const e = parseExperiment(withFormats(formats));
    assert.deepEqual(e.spec.metricsCollectorSpec.source?.filter?.metricsFormat, formats);
  });

  it('accepts Go spellings: named groups (?P<name>...) and leading flags', () => {
    assert.deepEqual(
      problems(withFormats(['(?P<name>\\w+):\\s*(?P<value>[\\d.]+)', '(?i)(ACC)=(\\d)', '(?sm)(a)(b)'])),
      [],
    );
  });

  it('refuses other flags, bad syntax and too few groups, each with its index', () => {
    const issues = problems(withFormats(['(?U)(a)(b)', '(a', 'acc=(\\d+)', '(\\w+)=(\\d+)']));
    assert.deepEqual(
      issues.map((i) => [
        i.path,
        i.rule.replace(/: Invalid regular expression.*/, ': Invalid regular expression'),
      ]),
      [
        [
          'spec.metricsCollectorSpec.source.filter.metricsFormat[0]',
          'is not a usable filter: the flag (?U) is not supported',
        ],
        [
          'spec.metricsCollectorSpec.source.filter.metricsFormat[1]',
          'is not a usable filter: Invalid regular expression',
        ],
        [
          'spec.metricsCollectorSpec.source.filter.metricsFormat[2]',
          'is not a usable filter: has 1 capture group, needs 2: metric name, then value',
        ],
      ],
    );
  });
});
