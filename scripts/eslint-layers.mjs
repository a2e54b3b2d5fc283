// The layering rules of eslint.config.js as one small plugin. ESLint's own
// no-restricted-imports sees only static import declarations, so `import()`,
// `typeof import()`, re-exports and `process.getBuiltinModule()` went past it;
// these rules see every way a module can be loaded, resolve relative paths to
// the folder they land in, and take one table for the whole tree.
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

const builtins = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const matches = (pattern, name) => (pattern.endsWith('/*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
const repoPath = (cwd, file) => relative(cwd, file).split(sep).join('/');
const under = (path, places) => places.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p));

const isGetBuiltinModule = (call) =>
  call.callee.type === 'MemberExpression' && call.callee.property.type === 'Identifier' && call.callee.property.name === 'getBuiltinModule';
const problem = (description, messages, create, schema = []) => ({
  meta: { type: 'problem', docs: { description }, schema, messages },
  create,
});

/** Every way a file can name another module: `[specifier node, typeOnly]`. */
function moduleReferences(visit) {
  const literal = (node) => (node && node.type === 'Literal' && typeof node.value === 'string' ? node : null);
  return {
    ImportDeclaration: (node) => visit(node.source, node.importKind === 'type'),
    ExportNamedDeclaration: (node) => node.source && visit(node.source, node.exportKind === 'type'),
    ExportAllDeclaration: (node) => visit(node.source, node.exportKind === 'type'),
    ImportExpression: (node) => literal(node.source) && visit(node.source, false),
    TSImportType: (node) => {
      const source = literal('source' in node ? node.source : (node.argument?.literal ?? node.argument));
      if (source) visit(source, true);
    },
    TSImportEqualsDeclaration: (node) =>
      node.moduleReference.type === 'TSExternalModuleReference' &&
      literal(node.moduleReference.expression) &&
      visit(node.moduleReference.expression, node.importKind === 'type'),
    // process.getBuiltinModule('fs') loads a built-in without an import.
    CallExpression: (node) => isGetBuiltinModule(node) && literal(node.arguments[0]) && visit(node.arguments[0], false),
  };
}

/**
 * `layers/imports`. Options: `{ layers: { <folder>: { imports: [folders], typesOnly?: [folders], builtins: bool } },
 * packages: { <package or scope/*>: [places] }, devDependencies: [names] }`. A file in a layer folder may import
 * its allowed folders (or only their types), node built-ins when `builtins`, a package from the table only in
 * its places, and no devDependency. Files outside the layer folders (test/, scripts/, root configs) are not checked.
 */
const imports = problem(
  'Imports that cross a layer boundary (ARCHITECTURE.md "Layout")',
  {
    folder: 'bad layering: {{layer}}/ may not import {{target}}/ (ARCHITECTURE.md "Layout").',
    typesOnly: 'bad layering: {{layer}}/ may import only types from {{target}}/; write `import type`.',
    outside: 'bad layering: {{spec}} is outside the layer folders.',
    builtin: 'bad layering: {{layer}}/ does no I/O; "{{spec}}" is a Node built-in.',
    package: 'bad layering: "{{name}}" is imported only under {{places}}.',
    devDependency: '"{{name}}" is a devDependency: it is not installed where the app runs; only test/ and scripts/ may load it.',
  },
  (context) => {
    const { layers = {}, packages = {}, devDependencies = [] } = context.options[0] ?? {};
    const cwd = context.cwd;
    const file = repoPath(cwd, context.filename);
    const layer = file.split('/')[0];
    const rules = layers[layer];
    if (!rules || file.startsWith('..')) return {};
    return moduleReferences((source, typeOnly) => {
      const spec = source.value;
      const report = (messageId, data) => context.report({ node: source, messageId, data: { layer, spec, ...data } });
      if (spec.startsWith('.') || isAbsolute(spec)) {
        const target = repoPath(cwd, resolve(dirname(context.filename), spec));
        const folder = target.split('/')[0];
        if (target.startsWith('..') || !target.includes('/')) return report('outside');
        if (rules.imports.includes(folder)) return;
        if ((rules.typesOnly ?? []).includes(folder)) return typeOnly ? undefined : report('typesOnly', { target: folder });
        return report('folder', { target: folder });
      }
      if (isBuiltin(spec)) return rules.builtins ? undefined : report('builtin');
      const name = packageName(spec);
      const entry = Object.entries(packages).find(([pattern]) => matches(pattern, name));
      if (entry) return under(file, entry[1]) ? undefined : report('package', { name, places: entry[1].join(', ') });
      if (devDependencies.includes(name)) report('devDependency', { name });
    });
  },
  [
    {
      type: 'object',
      properties: { layers: { type: 'object' }, packages: { type: 'object' }, devDependencies: { type: 'array' } },
      additionalProperties: false,
    },
  ],
);

/** `layers/literal-import`: `import()` and `process.getBuiltinModule()` only with a string literal, so the rules above can read them. */
const literalImport = problem(
  'A module loaded at run time is named by a string literal',
  { literal: 'Name the module with a string literal: a computed path hides what this file loads from the layering lint.' },
  (context) => {
    const check = (node, arg) => {
      if (!arg || arg.type !== 'Literal' || typeof arg.value !== 'string') context.report({ node, messageId: 'literal' });
    };
    return {
      ImportExpression: (node) => check(node, node.source),
      CallExpression: (node) => isGetBuiltinModule(node) && check(node, node.arguments[0]),
    };
  },
);

/** `layers/no-create-require`: `createRequire` loads anything by any name; only the files the config allows may use it. */
const noCreateRequire = problem(
  'createRequire only in the allowed files',
  {
    createRequire:
      'createRequire hides what this file loads from the layering lint; import the module, or add this file to the allow-list in eslint.config.js with the reason.',
  },
  (context) => {
    const fromModule = (source) => source === 'module' || source === 'node:module';
    return {
      ImportDeclaration: (node) => {
        if (!fromModule(node.source.value)) return;
        for (const s of node.specifiers) {
          if (s.type !== 'ImportSpecifier' || (s.imported.name ?? s.imported.value) === 'createRequire')
            context.report({ node: s, messageId: 'createRequire' });
        }
      },
      MemberExpression: (node) => {
        if (node.property.type === 'Identifier' && node.property.name === 'createRequire')
          context.report({ node, messageId: 'createRequire' });
      },
      ImportExpression: (node) => {
        if (node.source.type === 'Literal' && fromModule(node.source.value)) context.report({ node, messageId: 'createRequire' });
      },
      CallExpression: (node) => {
        const arg = node.arguments[0];
        if (isGetBuiltinModule(node) && arg?.type === 'Literal' && fromModule(arg.value))
          context.report({ node, messageId: 'createRequire' });
      },
    };
  },
);

export default { meta: { name: 'layers' }, rules: { imports, 'literal-import': literalImport, 'no-create-require': noCreateRequire } };
