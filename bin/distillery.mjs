#!/usr/bin/env node
// The `distillery` command. The workspace ships TypeScript sources; tsx compiles them on load, so `npm ci`
// needs no build step and `npx distillery …` works straight after install.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../apps/cli/src/main.ts');
await main(process.argv);
