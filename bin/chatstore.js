#!/usr/bin/env node
// The `chatstore` command. chatstore ships TypeScript sources; tsx loads them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
