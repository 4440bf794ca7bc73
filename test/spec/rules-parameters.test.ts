import { type Doc, type RuleTable, runRuleTable } from './helpers.js';

const params = (d: Doc) => d.spec.parameters;
const fs = (d: Doc, i: number) => d.spec.parameters[i].feasibleSpace;

const TABLE: RuleTable = {
  parameters: [
    {
      name: 'missing',
      change: (d) => delete d.spec.parameters,
      path: 'spec.parameters',
      rule: /is required/,
      missing: true,
    },
    {
      name: 'not a list',
      change: (d) => (d.spec.parameters = { lr: 1 }),
      path: 'spec.parameters',
      rule: /must be a list/,
    },
    {
      name: 'duplicate names',
      change: (d) =>
        params(d).push({ name: 'lr', parameterType: 'double', feasibleSpace: { min: '0', max: '1' } }),
      path: 'spec.parameters[3].name',
      rule: /repeats spec.parameters\[0\].name: parameter names must be unique/,
      value: 'lr',
    },
    {
      name: 'unknown parameterType',
      change: (d) => (params(d)[0].parameterType = 'float'),
      path: 'spec.parameters[0].parameterType',
      rule: /must be one of int, double, categorical, discrete/,
      value: 'float',
    },
    {
      name: 'feasibleSpace missing',
      change: (d) => delete params(d)[0].feasibleSpace,
      path: 'spec.parameters[0].feasibleSpace',
      rule: /is required/,
    },
    {
      name: 'field typo in feasibleSpace',
      change: (d) => (fs(d, 0).Min = '0'),
      path: 'spec.parameters[0].feasibleSpace.Min',
      rule: /did you mean "min"/,
    },
    {
      name: 'double min not a number',
      change: (d) => (fs(d, 0).min = 'abc'),
      path: 'spec.parameters[0].feasibleSpace.min',
      rule: /must be a number for parameterType double/,
      value: 'abc',
    },
    {
      name: 'double min infinite',
      change: (d) => (fs(d, 0).min = 'inf'),
      path: 'spec.parameters[0].feasibleSpace.min',
      rule: /must be a number/,
    },
    {
      name: 'int min not an integer',
      change: (d) => (fs(d, 1).min = '1.5'),
      path: 'spec.parameters[1].feasibleSpace.min',
      rule: /must be an integer for parameterType int/,
      value: '1.5',
    },
    {
      name: 'int max with exponent',
      change: (d) => (fs(d, 1).max = '1e3'),
      path: 'spec.parameters[1].feasibleSpace.max',
      rule: /must be an integer/,
    },
    {
      name: 'max missing',
      change: (d) => delete fs(d, 0).max,
      path: 'spec.parameters[0].feasibleSpace.max',
      rule: /is required for parameterType double/,
      missing: true,
    },
    {
      name: 'min above max',
      change: (d) => (fs(d, 0).min = '0.5'),
      path: 'spec.parameters[0].feasibleSpace.min',
      rule: /must be <= feasibleSpace.max \(0.1\)/,
      value: '0.5',
    },
    {
      name: 'zero step',
      change: (d) => (fs(d, 0).step = '0'),
      path: 'spec.parameters[0].feasibleSpace.step',
      rule: /must be greater than 0/,
      value: '0',
    },
    {
      name: 'negative step',
      change: (d) => (fs(d, 1).step = '-1'),
      path: 'spec.parameters[1].feasibleSpace.step',
      rule: /must be greater than 0/,
    },
    {
      name: 'fractional int step',
      change: (d) => (fs(d, 1).step = '0.5'),
      path: 'spec.parameters[1].feasibleSpace.step',
      rule: /must be an integer/,
    },
    {
      name: 'logUniform from 0',
      change: (d) => Object.assign(fs(d, 0), { min: '0', distribution: 'logUniform' }),
      path: 'spec.parameters[0].feasibleSpace.min',
      rule: /must be greater than 0 for distribution logUniform/,
      value: '0',
    },
    {
      name: 'logNormal from a negative',
      change: (d) => Object.assign(fs(d, 1), { min: '-1', distribution: 'logNormal' }),
      path: 'spec.parameters[1].feasibleSpace.min',
      rule: /greater than 0 for distribution logNormal/,
    },
    {
      name: 'unknown distribution',
      change: (d) => (fs(d, 0).distribution = 'gaussian'),
      path: 'spec.parameters[0].feasibleSpace.distribution',
      rule: /must be one of uniform, logUniform, normal, logNormal/,
    },
    {
      name: 'list on a double',
      change: (d) => (fs(d, 0).list = ['0.1']),
      path: 'spec.parameters[0].feasibleSpace.list',
      rule: /must not be set for parameterType double/,
    },
    {
      name: 'categorical without list',
      change: (d) => delete fs(d, 2).list,
      path: 'spec.parameters[2].feasibleSpace.list',
      rule: /must be a non-empty list for parameterType categorical/,
    },
    {
      name: 'categorical with empty list',
      change: (d) => (fs(d, 2).list = []),
      path: 'spec.parameters[2].feasibleSpace.list',
      rule: /non-empty list/,
    },
    {
      name: 'categorical duplicate',
      change: (d) => fs(d, 2).list.push('sgd'),
      path: 'spec.parameters[2].feasibleSpace.list[2]',
      rule: /repeats feasibleSpace.list\[0\]/,
      value: 'sgd',
    },
    {
      name: 'categorical with min',
      change: (d) => (fs(d, 2).min = '1'),
      path: 'spec.parameters[2].feasibleSpace.min',
      rule: /must not be set for parameterType categorical/,
    },
    {
      name: 'discrete not a number',
      change: (d) =>
        Object.assign(params(d)[2], { parameterType: 'discrete', feasibleSpace: { list: ['16', 'big'] } }),
      path: 'spec.parameters[2].feasibleSpace.list[1]',
      rule: /must be a number for parameterType discrete/,
      value: 'big',
    },
    {
      name: 'discrete duplicate by value',
      change: (d) =>
        Object.assign(params(d)[2], { parameterType: 'discrete', feasibleSpace: { list: ['1', '1.0'] } }),
      path: 'spec.parameters[2].feasibleSpace.list[1]',
      rule: /repeats feasibleSpace.list\[0\]/,
    },
    {
      name: 'list entry a mapping',
      change: (d) => (fs(d, 2).list = ['a', { b: 1 }]),
      path: 'spec.parameters[2].feasibleSpace.list[1]',
      rule: /must be a string/,
    },
  ],
};

runRuleTable(TABLE);
