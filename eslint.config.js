// @ts-check
// Lint with type information (typescript-eslint) for TypeScript and Astro files, plus the
// architecture rules of docs/architecture.md as import restrictions: a violation names the
// layer the code belongs in. `npm run lint` runs this and Prettier's check; CI runs it.
import js from '@eslint/js';
import astro from 'eslint-plugin-astro';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const DRIVERS = ['better-sqlite3', 'pg', 'pg-*'];

/** Messages that say where the code belongs, reused by the architecture rules below. */
const WHERE = {
  libFramework:
    'src/lib is framework-free domain code: it never imports Astro or the Astro surface (pages, components, actions). Pass what it needs in as arguments, and keep the Astro part in src/pages, src/components or src/actions.',
  surfaceDriver:
    'Pages, components, layouts and actions never touch a database driver: call a domain function in src/lib/<capability>/ (which uses Kysely through src/lib/db).',
  driverOutsideDb:
    'Only src/lib/db knows the database dialect and imports a driver: add what you need to src/lib/db and call it from there.',
  siteDefineAction:
    "Actions use src/actions/define.ts's defineAction: it answers a database outage with 503 (SERVICE_UNAVAILABLE) instead of a 500 showing the driver's message.",
};

export default tseslint.config(
  {
    ignores: ['dist/', '.astro/', 'node_modules/', 'test-results/', 'playwright-report/', 'bench-results/', 'data/', 'tests/fixtures/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...astro.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.astro'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // env.d.ts declares Astro's global App.Locals with import() types: it must stay a script, not a module.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // TypeScript checks it with types (noFallthroughCasesInSwitch), so it knows process.exit() never returns.
      'no-fallthrough': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // astro-eslint-parser takes a project file, not the project service.
    files: ['**/*.astro'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.json' } },
  },
  {
    // Plain JavaScript (this file, astro.config.mjs) and the scripts inside .astro files are not
    // part of the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.astro/*.js', '*.astro/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  // The architecture (docs/architecture.md): route or island → domain function → Kysely → database.
  {
    files: ['src/lib/**'],
    ignores: ['src/lib/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DRIVERS.filter((d) => !d.includes('*')).map((name) => ({ name, message: WHERE.driverOutsideDb })),
          patterns: [
            { regex: '^astro(:|/|$)', message: WHERE.libFramework },
            { regex: '(^|/)(pages|components|actions|layouts)/', message: WHERE.libFramework },
            { regex: '(^|/)middleware(\\.ts)?$', message: WHERE.libFramework },
            { group: DRIVERS.filter((d) => d.includes('*')), message: WHERE.driverOutsideDb },
          ],
        },
      ],
    },
  },
  {
    files: ['src/lib/db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^astro(:|/|$)', message: WHERE.libFramework },
            { regex: '(^|/)(pages|components|actions|layouts)/', message: WHERE.libFramework },
          ],
        },
      ],
    },
  },
  {
    files: ['src/pages/**', 'src/components/**', 'src/layouts/**', 'src/actions/**', 'src/middleware.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DRIVERS.filter((d) => !d.includes('*')).map((name) => ({ name, message: WHERE.surfaceDriver })),
          patterns: [{ group: DRIVERS.filter((d) => d.includes('*')), message: WHERE.surfaceDriver }],
        },
      ],
    },
  },
  {
    // The same, and every action defined through src/actions/define.ts.
    files: ['src/actions/**'],
    ignores: ['src/actions/define.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...DRIVERS.filter((d) => !d.includes('*')).map((name) => ({ name, message: WHERE.surfaceDriver })),
            { name: 'astro:actions', importNames: ['defineAction'], message: WHERE.siteDefineAction },
          ],
          patterns: [{ group: DRIVERS.filter((d) => d.includes('*')), message: WHERE.surfaceDriver }],
        },
      ],
    },
  },
  {
    // Tests may open the file with the driver to look at raw state (the bytes an erasure must
    // reach, a database left by kill -9); the site's own code may not.
    files: ['src/server/**', 'src/cli/**', 'db/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: DRIVERS.filter((d) => !d.includes('*')).map((name) => ({ name, message: WHERE.driverOutsideDb })),
          patterns: [{ group: DRIVERS.filter((d) => d.includes('*')), message: WHERE.driverOutsideDb }],
        },
      ],
    },
  },
);
