// Owns the npm package's quality checks (@earshot/client as tools/build_sdk.sh builds it, from the
// current build/wasm): `exports` for ".", "./embed" and "./react", each with types; publint (pinned in
// tools/js) finds nothing; the packed tarball is byte-for-byte reproducible and within its size budget
// (printed); and tsc, as a consumer with node16 and with bundler resolution, accepts the three entries
// from the extracted tarball and rejects a path the package does not export.
//   node --test tests/packages/package.test.mjs      (needs build/wasm/src/wasm/earshot.{js,wasm})
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 128 * 1024;  // packed (gzip) bytes; 115 KB at the time of writing, 90 KB of it earshot.wasm
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name) => path.join(root, 'tools/js/node_modules/.bin', name);
let scratch, sdk, tarball;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}
function pack(dir, dest) {
  mkdirSync(dest, { recursive: true });
  const r = run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: dir });
  assert.equal(r.status, 0, r.out);
  const [info] = JSON.parse(r.out.slice(r.out.indexOf('[')));
  return { file: path.join(dest, info.filename), info };
}

before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'earshot-package-'));
  sdk = path.join(scratch, 'sdk');
  const r = run('bash', [path.join(root, 'tools/build_sdk.sh'), path.join(root, 'build/wasm'), sdk]);
  assert.equal(r.status, 0, `tools/build_sdk.sh failed:\n${r.out}`);
});
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

test('exports ".", "./embed" and "./react", each with types, and every file they name is packed', () => {
  const pkg = JSON.parse(readFileSync(path.join(sdk, 'package.json'), 'utf8'));
  for (const entry of ['.', './embed', './react']) {
    const e = pkg.exports[entry];
    assert.ok(e && e.types && e.default, `exports["${entry}"] has types and default: ${JSON.stringify(e)}`);
    assert.equal(Object.keys(e)[0], 'types', `exports["${entry}"]: "types" comes first`);
    for (const f of [e.types, e.default]) {
      assert.ok(existsSync(path.join(sdk, f)), `${f} is in the package`);
      assert.ok(pkg.files.includes(f.replace(/^\.\//, '')), `${f} is in "files"`);
    }
  }
  assert.equal(pkg.peerDependencies.react, '>=18');
  assert.equal(pkg.peerDependenciesMeta.react.optional, true, 'react is optional: the core and embed entries need none');
});

test('publint finds nothing', (t) => {
  const r = run(bin('publint'), ['run', sdk, '--strict']);
  t.diagnostic(r.out.split('\n').join(' | '));
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /All good!/);
});

test(`the packed tarball is reproducible and at most ${BUDGET} B`, (t) => {
  const a = pack(sdk, path.join(scratch, 'pack-a'));
  const b = pack(sdk, path.join(scratch, 'pack-b'));
  const hash = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
  assert.equal(hash(a.file), hash(b.file), 'two packs of the same files are the same bytes');
  tarball = a.file;
  const size = readFileSync(a.file).length;
  t.diagnostic(`${a.info.name}@${a.info.version}: ${a.info.entryCount} files, ${a.info.unpackedSize} B unpacked, ${size} B packed (budget ${BUDGET} B)`);
  for (const f of a.info.files) t.diagnostic(`  ${f.path.padEnd(16)} ${String(f.size).padStart(8)} B`);
  assert.ok(size <= BUDGET, `the package packs to ${size} B, over its ${BUDGET} B budget`);
});

// A consumer project with the tarball extracted where npm would put it, and @types/react from tools/js.
function consumer(name, compilerOptions, files) {
  const dir = path.join(scratch, name);
  const mod = path.join(dir, 'node_modules', '@earshot', 'client');
  mkdirSync(mod, { recursive: true });
  assert.equal(run('tar', ['-xzf', tarball, '-C', mod, '--strip-components=1']).status, 0);
  mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(path.join(root, 'tools/js/node_modules/@types/react'), path.join(dir, 'node_modules', '@types', 'react'));
  symlinkSync(path.join(root, 'tools/js/node_modules/csstype'), path.join(dir, 'node_modules', 'csstype'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['dom', 'es2022'], skipLibCheck: false, ...compilerOptions },
    files: Object.keys(files),
  }));
  return run(bin('tsc'), ['-p', dir, '--pretty', 'false'], { cwd: dir });
}
const APP = `import { startCall, type Snapshot } from '@earshot/client';
import { mount } from '@earshot/client/embed';
import { useEarshotCall, EarshotCall } from '@earshot/client/react';
export const started: Promise<Snapshot> = startCall({ url: 'https://calls.example.com/room.html?room=r&t=x' }).then((c) => c.getSnapshot());
export const embedded = mount(document.body, { roomId: 'r', token: 't', backendUrl: 'https://calls.example.com' }, { origin: 'https://calls.example.com' });
export const hook = useEarshotCall;
export const component = EarshotCall;
`;

for (const [label, options] of [
  ['node16', { module: 'node16', moduleResolution: 'node16' }],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
]) {
  test(`tsc (${label} resolution) accepts the three entries from the packed tarball`, () => {
    assert.ok(tarball, 'needs the tarball of the previous test');
    const r = consumer(`consumer-${label}`, options, { 'app.ts': APP });
    assert.equal(r.status, 0, `tsc rejected the consumer:\n${r.out}`);
  });
}

test('tsc rejects an import of a path the package does not export', () => {
  assert.ok(tarball, 'needs the tarball');
  const r = consumer('consumer-private', { module: 'node16', moduleResolution: 'node16' },
    { 'app.ts': "import { startCall } from '@earshot/client/client.js';\nexport const s = startCall;\n" });
  assert.notEqual(r.status, 0, 'tsc accepted a private path');
  assert.match(r.out, /app\.ts\(1,\d+\): error TS2307/, r.out);
});
