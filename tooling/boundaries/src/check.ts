import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { allowedImports, enginePackages, typeOnlyImports } from './graph';

export type RuleId =
  | 'deep-import'
  | 'cross-package-relative'
  | 'forbidden-edge'
  | 'type-only-edge'
  | 'unknown-package'
  | 'process-env'
  | 'engine-nondeterminism';

export interface Violation {
  /** Path relative to the checked root, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly rule: RuleId;
  readonly message: string;
}

export interface CheckOptions {
  /** Defaults to the table in graph.ts; tests pass their own. */
  readonly allowedImports?: Readonly<Record<string, readonly string[]>>;
  readonly enginePackages?: ReadonlySet<string>;
  readonly typeOnlyImports?: Readonly<Record<string, readonly string[]>>;
}

interface WorkspacePackage {
  readonly name: string;
  readonly dir: string;
  /** Subpaths the package exports besides ".", e.g. "./client". */
  readonly exportedSubpaths: ReadonlySet<string>;
}

const workspaceGlobs = ['apps', 'packages', 'tooling'];
const skippedDirs = new Set(['node_modules', 'dist', '.next', '.turbo', 'generated', 'artifacts']);
const sourceFile = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const scopePrefix = '@tessera/';

/** Checks every source file of every workspace package below `root`. */
export function checkTree(root: string, options: CheckOptions = {}): Violation[] {
  const graph = options.allowedImports ?? allowedImports;
  const engine = options.enginePackages ?? enginePackages;
  const typeOnly = options.typeOnlyImports ?? typeOnlyImports;
  const packages = findPackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const violations: Violation[] = [];
  for (const pkg of packages) {
    for (const file of listSources(pkg.dir)) {
      const owner = packageOf(file, packages);
      if (owner !== pkg) continue; // a nested package owns it
      violations.push(...checkFile(root, file, pkg, { graph, engine, typeOnly, byName, packages }));
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

interface FileContext {
  readonly graph: Readonly<Record<string, readonly string[]>>;
  readonly engine: ReadonlySet<string>;
  readonly typeOnly: Readonly<Record<string, readonly string[]>>;
  readonly byName: ReadonlyMap<string, WorkspacePackage>;
  readonly packages: readonly WorkspacePackage[];
}

function checkFile(
  root: string,
  file: string,
  pkg: WorkspacePackage,
  ctx: FileContext,
): Violation[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const rel = relative(root, file).split(sep).join('/');
  const out: Violation[] = [];
  const report = (node: ts.Node, rule: RuleId, message: string): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ file: rel, line, rule, message });
  };
  const isEnvFile = /(^|[/\\])env\.[cm]?[jt]sx?$/.test(file);
  const isEngine = ctx.engine.has(pkg.name);
  const isTest = /\.test\.[cm]?[jt]sx?$/.test(file) || /[/\\](test|testdata)[/\\]/.test(file);
  // Benchmarks and the sqllogictest runner (`src/slt/`) are host-side harnesses that drive and
  // time the engine; they may read the wall clock and set timers.
  const isBench = /[/\\](bench|slt)[/\\]/.test(file);

  const checkSpecifier = (node: ts.Node, specifier: string, typesOnly: boolean): void => {
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier);
      const targetPkg = packageOf(target, ctx.packages);
      if (targetPkg && targetPkg !== pkg) {
        report(
          node,
          'cross-package-relative',
          `relative import '${specifier}' reaches into ${targetPkg.name}; import it by name`,
        );
      }
      return;
    }
    if (!specifier.startsWith(scopePrefix)) return;
    const [scope, name, ...rest] = specifier.split('/');
    const targetName = `${scope ?? ''}/${name ?? ''}`;
    const target = ctx.byName.get(targetName);
    if (rest.length > 0) {
      const subpath = `./${rest.join('/')}`;
      if (!target?.exportedSubpaths.has(subpath)) {
        report(
          node,
          'deep-import',
          `'${specifier}' reaches into ${targetName}'s internals; import '${targetName}'`,
        );
        return;
      }
    }
    if (targetName === pkg.name) return;
    const allowed = ctx.graph[pkg.name];
    if (allowed === undefined) {
      report(node, 'unknown-package', `${pkg.name} is not in the package graph (graph.ts)`);
      return;
    }
    if (!allowed.includes(targetName)) {
      report(
        node,
        'forbidden-edge',
        `${pkg.name} may not import ${targetName} (allowed: ${allowed.join(', ') || 'none'})`,
      );
      return;
    }
    if (rest.length === 0 && !typesOnly && ctx.typeOnly[pkg.name]?.includes(targetName)) {
      report(
        node,
        'type-only-edge',
        `${pkg.name} may import only types from ${targetName}; use 'import type' or an exported subpath`,
      );
    }
  };

  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      checkSpecifier(node, node.moduleSpecifier.text, isTypeOnlyDeclaration(node));
      if (isEngine && !isTest && !isBench && ts.isImportDeclaration(node)) {
        checkEngineImport(node, node.moduleSpecifier.text, report);
      }
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg)) {
        checkSpecifier(node, arg.text, false);
      }
      if (isEngine && !isTest && !isBench) checkEngineCall(node, report);
    } else if (ts.isPropertyAccessExpression(node)) {
      if (!isEnvFile && isProcessEnv(node)) {
        report(node, 'process-env', 'process.env is read only in an env.ts module');
      }
    } else if (ts.isNewExpression(node) && isEngine && !isTest && !isBench) {
      if (ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
        if ((node.arguments?.length ?? 0) === 0) {
          report(node, 'engine-nondeterminism', 'new Date() reads the wall clock; inject a Clock');
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** True when the declaration brings in types only (`import type`, or every named binding typed). */
function isTypeOnlyDeclaration(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return (
      clause !== undefined &&
      ts.isNamedExports(clause) &&
      clause.elements.every((e) => e.isTypeOnly)
    );
  }
  const clause = node.importClause;
  if (clause === undefined) return false; // a side-effect import runs the module
  if (clause.phaseModifier === ts.SyntaxKind.TypeKeyword) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

const forbiddenEngineCalls: ReadonlyMap<string, string> = new Map([
  ['Date.now', 'reads the wall clock; inject a Clock'],
  ['Math.random', 'is unseeded randomness; inject an Rng'],
  ['performance.now', 'reads the wall clock; inject a Clock'],
  ['process.hrtime', 'reads the wall clock; inject a Clock'],
  ['process.hrtime.bigint', 'reads the wall clock; inject a Clock'],
  ['setTimeout', 'is a real timer; inject a Clock'],
  ['setInterval', 'is a real timer; inject a Clock'],
  ['setImmediate', 'is a real timer; inject a Clock'],
  ['crypto.randomUUID', 'is unseeded randomness; inject an Rng'],
  ['crypto.randomBytes', 'is unseeded randomness; inject an Rng'],
  ['crypto.getRandomValues', 'is unseeded randomness; inject an Rng'],
  ['randomBytes', 'is unseeded randomness; inject an Rng'],
  ['randomUUID', 'is unseeded randomness; inject an Rng'],
]);

function checkEngineCall(
  node: ts.CallExpression,
  report: (node: ts.Node, rule: RuleId, message: string) => void,
): void {
  const callee = calleeName(node.expression);
  if (callee === undefined) return;
  const why = forbiddenEngineCalls.get(callee);
  if (why !== undefined) report(node, 'engine-nondeterminism', `${callee}() ${why}`);
}

/** Host clocks and timers must not enter engine code under another name either. */
const forbiddenEngineModules = new Set([
  'perf_hooks',
  'node:perf_hooks',
  'timers',
  'node:timers',
  'timers/promises',
  'node:timers/promises',
]);
const cryptoModules = new Set(['crypto', 'node:crypto']);
const cryptoRandom = /^random|^getRandomValues$/;

function checkEngineImport(
  node: ts.ImportDeclaration,
  specifier: string,
  report: (node: ts.Node, rule: RuleId, message: string) => void,
): void {
  if (forbiddenEngineModules.has(specifier)) {
    report(
      node,
      'engine-nondeterminism',
      `'${specifier}' gives host clocks or timers; inject a Clock`,
    );
    return;
  }
  if (!cryptoModules.has(specifier)) return;
  const bindings = node.importClause?.namedBindings;
  if (bindings === undefined) return;
  if (ts.isNamespaceImport(bindings)) return; // crypto.randomX(...) calls are caught by name
  for (const element of bindings.elements) {
    const imported = (element.propertyName ?? element.name).text;
    if (cryptoRandom.test(imported)) {
      report(
        node,
        'engine-nondeterminism',
        `crypto.${imported} is unseeded randomness; inject an Rng`,
      );
    }
  }
}

function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) {
    const left = calleeName(expr.expression);
    return left === undefined ? undefined : `${left}.${expr.name.text}`;
  }
  return undefined;
}

function isProcessEnv(node: ts.PropertyAccessExpression): boolean {
  return (
    node.name.text === 'env' &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'process'
  );
}

function findPackages(root: string): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  const consider = (dir: string): void => {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) return;
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name?: unknown;
      exports?: unknown;
    };
    if (typeof json.name !== 'string') return;
    const subpaths = new Set<string>();
    if (json.exports !== null && typeof json.exports === 'object') {
      for (const key of Object.keys(json.exports)) if (key.startsWith('./')) subpaths.add(key);
    }
    found.push({ name: json.name, dir, exportedSubpaths: subpaths });
  };
  for (const group of workspaceGlobs) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir)) {
      const dir = join(groupDir, entry);
      if (statSync(dir).isDirectory()) consider(dir);
    }
  }
  consider(join(root, 'e2e'));
  // Longest directory first so that packageOf finds the innermost owner.
  return found.sort((a, b) => b.dir.length - a.dir.length);
}

function packageOf(
  path: string,
  packages: readonly WorkspacePackage[],
): WorkspacePackage | undefined {
  return packages.find((p) => path === p.dir || path.startsWith(p.dir + sep));
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name) && !entry.name.startsWith('.')) walk(join(d, entry.name));
      } else if (sourceFile.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(join(d, entry.name));
      }
    }
  };
  walk(dir);
  return out;
}
