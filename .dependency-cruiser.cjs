/**
 * The layer order (DESIGN.md's dependency order; docs/architecture.md describes it), checked on
 * every `npm run lint`: a folder of src/ may import only folders of a lower rank; folders of one
 * rank do not import each other. `gen` (generated protobuf code) is importable by `rpc` and above only,
 * except the file formats in FORMAT_CODE.
 *
 * A new folder must be given a rank here, or the `unranked-folder` rule fails.
 * Import cycles are Biome's rule (suspicious/noImportCycles in biome.json).
 */

/** Lowest first. Folders that exist today but go away in issue #14 are kept until they do. */
const LAYERS = [
  ['api'],
  ['spec', 'store', 'suggestion', 'earlystopping', 'collector', 'injection'],
  ['gen'],
  ['rpc'],
  // the services: the DB manager, and Katib's Suggestion and EarlyStopping services
  ['dbmanager', 'algorithm-services'],
  ['runner'],
  ['controller'],
  ['ui'],
  // the one wiring point, and the Kubernetes YAML
  ['manager', 'manifests'],
  // `katib server`'s composition: openKatib plus the management service
  ['server'],
  ['sdk'],
  // the CLI may use the SDK's client (`katib get/create/delete` against a server)
  ['cli'],
];

/**
 * Imports against the order that are let through as warnings, each with its reason. Empty: every
 * import against the order fails lint. Add an entry only with a TODO and the issue that removes it.
 */
const KNOWN_VIOLATIONS = [];

/**
 * Generated code for file formats (not the wire API) that a lower layer reads: the
 * TensorFlowEvent collector decodes TensorBoard's Event protos from src/gen/tensorflow/.
 */
const FORMAT_CODE = { collector: '^src/gen/tensorflow/' };

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((folder) => [folder, i])));
const known = (from, to) => KNOWN_VIOLATIONS.some((v) => v.from === from && v.to === to);
const any = (folders) => `^src/(${folders.join('|')})/`;

/** For each folder: what it must not import (same or higher rank), less the known violations. */
const layerRules = [...rank].flatMap(([folder, r]) => {
  const forbidden = [...rank].filter(([other, o]) => other !== folder && o >= r && !known(folder, other));
  if (forbidden.length === 0) return [];
  return [
    {
      name: `layer-order:${folder}`,
      comment: `src/${folder}/ (rank ${r}) imports only lower layers: ${LAYERS.slice(0, r).flat().join(', ') || 'none'}`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: any(forbidden.map(([other]) => other)), ...(FORMAT_CODE[folder] ? { pathNot: FORMAT_CODE[folder] } : {}) },
    },
  ];
});

/** The controller drives trials in-process; starting servers is the wiring point's job. */
const controllerRule = {
  name: 'controller-serves-nothing',
  comment: 'src/controller/ does not import rpc/, the services or gen/: manager/ wires servers',
  severity: 'error',
  from: { path: '^src/controller/' },
  to: { path: any(['rpc', 'gen', 'dbmanager', 'algorithm-services']) },
};

const knownRules = KNOWN_VIOLATIONS.map((v) => ({
  name: `known-violation:${v.from}->${v.to}`,
  comment: `TODO: ${v.why}`,
  severity: 'warn',
  from: { path: `^src/${v.from}/` },
  to: { path: `^src/${v.to}/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    controllerRule,
    ...knownRules,
    {
      name: 'unranked-folder',
      comment: 'every folder of src/ has a rank in .dependency-cruiser.cjs LAYERS',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/[^/]+/', pathNot: any([...rank.keys()]) },
    },
    {
      name: 'unranked-folder-source',
      comment: 'every folder of src/ has a rank in .dependency-cruiser.cjs LAYERS',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: any([...rank.keys()]) },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    exclude: { path: '^src/ui/web/dist/' },
    // type-only imports are dependencies too: they run against the order just the same
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // No cache: its 'content' strategy kept reporting files a merge had deleted.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
