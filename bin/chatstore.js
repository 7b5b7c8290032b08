#!/usr/bin/env node
// The `chatstore` command: the compiled CLI in dist/ (`npm run build`; `prepare` builds it on
// install). Development runs the sources instead: `npm start`, `npm run chatstore -- <verb>`.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  process.stderr.write('chatstore: dist/ is missing; run `npm run build` in the chatstore package\n');
  process.exitCode = 1;
}
