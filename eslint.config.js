// Lint rules: typescript-eslint's type-aware recommended set, plus the
// project's boundaries: the mediator server (src/, except the device SDK in
// src/device/ and the device CLI in src/device-cli/) must never import the
// device-to-device layer d2d/, which holds the end-to-end secrets between devices.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/', 'node_modules/', '**/generated/', 'scripts/*.mjs', 'test/*.cjs', 'eslint.config.js'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/consistent-type-imports': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
            '@typescript-eslint/switch-exhaustiveness-check': 'error',
            '@typescript-eslint/no-floating-promises': 'error',
            eqeqeq: 'error',
            'no-console': 'off',
        },
    },
    {
        files: ['src/**/*.ts'],
        ignores: ['src/device/**', 'src/device-cli/**'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            group: ['**/d2d', '**/d2d/**'],
                            message:
                                'The mediator never sees device-to-device plaintext: only src/device/ and src/device-cli/ may use d2d/.',
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ['test/**/*.ts'],
        rules: {
            // chai's property assertions (expect(x).to.be.true) are expressions.
            '@typescript-eslint/no-unused-expressions': 'off',
        },
    },
);
