// Plans a 3000-file pull request (the 1000+ file benchmark PR, its files repeated under other folders)
// and prints the planning time and this process's peak memory.
import { BENCH_PRS, benchFiles, benchPullRequest } from './data.js';
import { makePlan } from '../src/pipeline/stages.js';
import { parseSettings } from '../src/settings/settings.js';

const large = BENCH_PRS[BENCH_PRS.length - 1];
if (!large) throw new Error('no benchmark PR');
const source = benchFiles(large);
const files = Array.from({ length: 3000 }, (_, i) => {
  const f = source[i % source.length];
  if (!f) throw new Error('empty benchmark PR');
  return { ...f, filename: `copy${Math.floor(i / source.length)}/${f.filename}` };
});
const started = performance.now();
const plan = makePlan(benchPullRequest(large, files), parseSettings({}), '');
const ms = performance.now() - started;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `Planning a ${files.length}-file PR (${plan.chunks.length} chunks): ${(ms / 1000).toFixed(2)} s (limit 2 s), peak RSS ${peakMb.toFixed(0)} MB (limit 400 MB).`,
);
