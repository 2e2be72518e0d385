// Extracts from GitHub's own OpenAPI description (@octokit/openapi, generated/api.github.com.json) the
// request-body schemas of the endpoints this action writes to, into test/fixtures/github-openapi.json;
// the fake GitHub validates what it receives against them. The package is large (30 MB packed), so it is
// fetched here, once, rather than installed for every test run. Needs the npm registry.
// Run: npx tsx scripts/extract-openapi.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'openapi-'));
const tarball = execFileSync('npm', ['pack', '@octokit/openapi', '--silent', '--pack-destination', work], {
  encoding: 'utf8',
}).trim();
execFileSync('tar', [
  'xzf',
  join(work, tarball),
  '-C',
  work,
  'package/generated/api.github.com.json',
  'package/package.json',
]);
const version = (JSON.parse(readFileSync(join(work, 'package/package.json'), 'utf8')) as { version: string }).version;
const api = JSON.parse(readFileSync(join(work, 'package/generated/api.github.com.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: unknown }> } }>
  >;
};

const wanted: [string, string][] = [
  ['/repos/{owner}/{repo}/pulls/{pull_number}/reviews', 'post'],
  ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'post'],
  ['/repos/{owner}/{repo}/issues/comments/{comment_id}', 'patch'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/comments', 'post'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', 'post'],
  ['/repos/{owner}/{repo}/check-runs', 'post'],
  ['/repos/{owner}/{repo}/check-runs/{check_run_id}', 'patch'],
  ['/repos/{owner}/{repo}/pulls', 'post'],
  ['/repos/{owner}/{repo}/pulls/{pull_number}', 'patch'],
  ['/repos/{owner}/{repo}/git/refs', 'post'],
  ['/repos/{owner}/{repo}/git/refs/{ref}', 'patch'],
  ['/repos/{owner}/{repo}/contents/{path}', 'put'],
];
const schemas: Record<string, unknown> = {};
for (const [path, method] of wanted) {
  const operation = api.paths[path]?.[method];
  const schema = operation?.requestBody?.content['application/json']?.schema;
  if (!operation || !schema) throw new Error(`no request body schema for ${method} ${path}`);
  schemas[operation.operationId] = schema;
}
writeFileSync(
  'test/fixtures/github-openapi.json',
  JSON.stringify(
    { source: `@octokit/openapi ${version}, generated/api.github.com.json`, requestBodies: schemas },
    null,
    1,
  ) + '\n',
);
console.log(`wrote ${Object.keys(schemas).join(', ')} from @octokit/openapi ${version}`);
