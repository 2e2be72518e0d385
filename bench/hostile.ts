// The hostile-files PR through the action (context on), in a fresh process so its peak memory is its own:
// prints wall time and peak RSS on one line for the bench.
import { FakeGitHub } from '../test/fakes/github.js';
import { actionEnv, fakePullRequest, reviewingGateway, runInProcess } from '../test/helpers/action.js';
import { added, hostileFiles } from '../test/helpers/hostile.js';

const KEY = 'bench-key-hostile';
const files = hostileFiles();
const pr = fakePullRequest(
  Object.entries(files).map(([path, text]) => added(path, text)),
  { title: 'Hostile files' },
);
const github = await new FakeGitHub(pr).start();
github.repoFiles[pr.headSha] = files;
const llm = await reviewingGateway(KEY);
const { env } = actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, 'max-cost-usd': 'none' });
const started = performance.now();
const { exitCode } = await runInProcess(env);
const seconds = (performance.now() - started) / 1000;
await github.stop();
await llm.stop();
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `Hostile files PR (80 KB member chain, 350 KB line, 100,000 nested brackets in JS and Python, NUL, CRLF): exit ${exitCode}, ${github.issueComments.length} summary, ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB (limits: 60 s, 1 GB).`,
);
