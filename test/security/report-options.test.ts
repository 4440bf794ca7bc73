/** How reportMetrics's options and env choose TLS, the CA and the token (resolveTarget, a pure table). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidMetricError } from '../../src/sdk/report/errors.js';
import { resolveTarget } from '../../src/sdk/report/options.js';

describe('reportMetrics security options', () => {
  const base = { KATIB_TRIAL_NAME: 't', KATIB_DB_MANAGER_ADDRESS: 'h:1' };

  it('TLS from an https:// address or KATIB_DB_MANAGER_TLS; token and CA from options, else the env', () => {
    const table: [
      Parameters<typeof resolveTarget>[0],
      NodeJS.ProcessEnv,
      Partial<ReturnType<typeof resolveTarget>>,
    ][] = [
      [{}, base, { authority: 'http://h:1' }],
      [{}, { ...base, KATIB_DB_MANAGER_TLS: 'true' }, { authority: 'https://h:1' }],
      [{}, { ...base, KATIB_DB_MANAGER_TLS: 'off' }, { authority: 'http://h:1' }],
      [{ dbManagerAddress: 'https://h:2' }, base, { authority: 'https://h:2' }],
      [
        {},
        { ...base, KATIB_TRIAL_TOKEN: 'tok', KATIB_DB_MANAGER_CA: '/ca.pem' },
        { token: 'tok', caFile: '/ca.pem' },
      ],
      [
        { token: 'mine', caFile: '/mine.pem' },
        { ...base, KATIB_TRIAL_TOKEN: 'tok', KATIB_DB_MANAGER_CA: '/ca.pem' },
        { token: 'mine', caFile: '/mine.pem' },
      ],
    ];
    for (const [options, env, expected] of table) {
      const target = resolveTarget(options, env);
      for (const [key, value] of Object.entries(expected))
        assert.equal(
          target[key as keyof typeof target],
          value,
          `${JSON.stringify(options)} ${JSON.stringify(env)}`,
        );
    }
    const plain = resolveTarget({}, base);
    assert.ok(!('token' in plain) && !('caFile' in plain), 'no token, no metadata: Katib compatible');
  });

  it('bad values are InvalidMetricError naming the option or variable', () => {
    const cases: [Parameters<typeof resolveTarget>[0], NodeJS.ProcessEnv, string][] = [
      [{}, { ...base, KATIB_DB_MANAGER_TLS: 'sure' }, 'KATIB_DB_MANAGER_TLS'],
      [{ token: 'has space' }, base, 'options.token'],
      [{ caFile: '' }, base, 'options.caFile'],
    ];
    for (const [options, env, field] of cases) {
      assert.throws(
        () => resolveTarget(options, env),
        (err) => err instanceof InvalidMetricError && err.field === field,
      );
    }
  });
});
