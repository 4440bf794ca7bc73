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
  // the one wiring point; `server/` is today's (h14-wiring moves it to manager/)
  ['manager', 'server', 'manifests'],
  ['sdk'],
  // the CLI may use the SDK's client (`katib get/create/delete` against a server)
  ['cli'],
];

/**
 * Today's imports against the order, reported as warnings until the branch named fixes them.
 * TODO(lead, after merging issue #14's branches): empty this list; every entry then fails lint.
 */
const KNOWN_VIOLATIONS = [
  { from: 'suggestion', to: 'collector', why: 'number parsing; h14-concepts moves it to api/' },
  { from: 'earlystopping', to: 'collector', why: 'number parsing; h14-concepts moves it to api/' },
  { from: 'injection', to: 'collector', why: 'number parsing; h14-concepts moves it to api/' },
  { from: 'controller', to: 'dbmanager', why: 'local-katib.ts starts a DB manager; h14-wiring moves it to manager/' },
  // Transitional, none found today: while server/ and services/ are emptied into manager/ and the
  // services, imports between the old and new folder of one rank are let through as warnings.
  { from: 'manager', to: 'server', why: 'server/ is being moved into manager/ (h14-wiring)' },
  { from: 'server', to: 'manager', why: 'server/ is being moved into manager/ (h14-wiring)' },
];

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
  to: { path: any(['rpc', 'gen', 'services', ...(known('controller', 'dbmanager') ? [] : ['dbmanager'])]) },
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
      name: 'legacy-folder',
      comment:
        'TODO: server/ and services/ go away in issue #14 (manager/, rpc/): import those instead; ' +
        'sdk/ should reach the wiring through manager/ without pulling in ui/',
      severity: 'warn',
      from: { path: '^src/', pathNot: '^src/(server|services)/' },
      to: { path: '^src/(server|services)/' },
    },
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
