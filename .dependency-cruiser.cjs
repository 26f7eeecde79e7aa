/**
 * The "may import" column of shared/spec/ARCHITECTURE.md, enforced by `npm run layers`.
 * Arrows point down the table only: a folder may import the folders listed for it, never one above.
 */
const ours = '^(infra|calendars|directory|machines|eventstore|engine|projections|api|scripts)/';

/** A rule that forbids `from` to import any of our folders except `allowed`. */
function only(from, allowed) {
  const allowedPattern = allowed.length ? `^(${allowed.join('|')})/` : '^$';
  return {
    name: `${from}-may-import-only-${allowed.join('-') || 'nothing-of-ours'}`,
    comment: `${from}/ may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (ARCHITECTURE.md)`,
    severity: 'error',
    from: { path: `^${from}/` },
    to: { path: ours, pathNot: [`^${from}/`, allowedPattern] },
  };
}

module.exports = {
  forbidden: [
    only('infra', []),
    only('eventstore', []),
    only('calendars', ['infra']),
    only('directory', ['infra']),
    only('machines', ['calendars', 'directory']),
    {
      name: 'machines-import-types-only',
      comment: 'machines/ may import calendars/ and directory/ types only: a machine is pure data and functions',
      severity: 'error',
      from: { path: '^machines/' },
      to: { path: '^(calendars|directory)/', dependencyTypesNot: ['type-only'] },
    },
    only('engine', ['machines', 'eventstore', 'calendars', 'directory', 'infra']),
    only('projections', ['eventstore', 'machines', 'calendars', 'directory', 'infra']),
    only('api', ['infra', 'calendars', 'directory', 'machines', 'eventstore', 'engine', 'projections']),
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-code-not-from-test',
      comment: 'only benchmarks may borrow the tests\' example forms, to load the API with valid commands',
      severity: 'error',
      from: { path: ours, pathNot: '^scripts/bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'benchmarks-borrow-examples-only',
      severity: 'error',
      from: { path: '^scripts/bench/' },
      to: { path: '^test/', pathNot: '^test/machines/examples\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};
