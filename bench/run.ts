/**
 * `npm run bench`: every benchmark, each figure beside its floor measured in the same run,
 * printed as a table and written to bench/results.json. Never part of `npm test`.
 * So far: motion quality against ground truth and motion CPU against decode-only ffmpeg (issue 5).
 * Usage: npm run bench [-- --quick]
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatMotionTable, runMotionQualityBench } from './motion-quality.ts';

const quick = process.argv.includes('--quick');
const startedAt = new Date().toISOString();
const motion = await runMotionQualityBench({ quick });
process.stdout.write(`${formatMotionTable(motion)}\n`);

const results = {
  startedAt,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version },
  motion,
};
const file = fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
process.exitCode = motion.pass ? 0 : 1;
