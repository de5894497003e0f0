#!/usr/bin/env node
// Hearth runs its TypeScript sources directly through tsx: no build step to forget on a Pi.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
