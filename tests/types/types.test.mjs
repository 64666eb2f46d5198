// Owns the type tests of the public JS surface: tsc (tools/js) must accept usage.ts, embed_usage.ts and
// react_usage.ts against earshot.d.ts, embed.d.ts and react.d.ts (the package's three entries) and reject
// each wrong/*.ts exactly at its line marked `// wrong: TSxxxx`, with that error code only.
//   EARSHOT_TYPES_DTS=/path/to/other.d.ts   check against that file instead of src/wasm/earshot.d.ts
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const tsc = path.join(root, 'tools/js/node_modules/.bin/tsc');
const dts = process.env.EARSHOT_TYPES_DTS ? path.resolve(process.env.EARSHOT_TYPES_DTS) : null;
const wrongDir = path.join(here, 'wrong');
const wrongFiles = readdirSync(wrongDir).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(wrongDir, f));

let scratch;
before(() => { scratch = mkdtempSync(path.join(tmpdir(), 'earshot-types-')); });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

// Runs tsc over `files` with tests/types/tsconfig.json's settings (plus the d.ts override, if any).
function runTsc(name, files) {
  assert.ok(existsSync(tsc), `${tsc} missing: run tools/setup.sh (npm ci in tools/js)`);
  const config = path.join(scratch, `${name}.tsconfig.json`);
  const json = { extends: path.join(here, 'tsconfig.json'), files };
  if (dts) {
    const base = JSON.parse(readFileSync(path.join(here, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
    const rel = (p) => path.resolve(here, p);  // paths in an extending file resolve from that file
    const paths = Object.fromEntries(Object.entries(base.compilerOptions.paths).map(([k, v]) => [k, v.map(rel)]));
    json.compilerOptions = { paths: { ...paths, '@earshot/client': [dts] } };
  }
  writeFileSync(config, JSON.stringify(json, null, 2));
  const r = spawnSync(tsc, ['-p', config, '--pretty', 'false'], { cwd: here, encoding: 'utf8' });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`.trim();
  return { status: r.status, output, diagnostics: parse(output) };
}

// "file(line,col): error TSnnnn: message" plus indented continuation lines; file-less errors too.
function parse(output) {
  const out = [];
  for (const line of output.split('\n')) {
    let m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) { out.push({ file: path.resolve(here, m[1]), line: Number(m[2]), code: m[4], text: line }); continue; }
    m = /^error (TS\d+): (.*)$/.exec(line);
    if (m) { out.push({ file: null, line: 0, code: m[1], text: line }); continue; }
    if (out.length && line.trim()) out[out.length - 1].text += `\n${line}`;
    else if (line.trim()) out.push({ file: null, line: 0, code: '?', text: line });
  }
  return out;
}

// The one line of a wrong file that carries `// wrong: TSnnnn`.
function marker(file) {
  const marks = readFileSync(file, 'utf8').split('\n')
    .map((text, i) => ({ line: i + 1, m: /\/\/ wrong: (TS\d+)\s*$/.exec(text) }))
    .filter((x) => x.m);
  assert.equal(marks.length, 1, `${path.relative(root, file)} needs exactly one line ending in "// wrong: TSnnnn"`);
  return { line: marks[0].line, code: marks[0].m[1] };
}

const target = () => dts || path.join(root, 'src/wasm/earshot.d.ts');

const USAGE = ['usage.ts', 'embed_usage.ts', 'react_usage.ts'];
for (const name of USAGE) {
  test(`${name} type-checks against the d.ts`, (t) => {
    const r = runTsc(name.replace(/\.ts$/, ''), [path.join(here, name)]);
    t.diagnostic(`tsc ${path.relative(root, path.join(here, name))} against ${name === 'usage.ts' ? target() : 'src/wasm/*.d.ts'}: exit ${r.status}`);
    assert.equal(r.status, 0, `tsc rejected ${name}:\n${r.output}`);
    assert.equal(r.output, '', `tsc printed something for ${name}:\n${r.output}`);
  });
}

test('every wrong/*.ts is rejected at its marked line, for the marked reason', async (t) => {
  assert.ok(wrongFiles.length > 0, 'no wrong/*.ts files');
  // Each wrong file is its own module, so one tsc program over all of them reports each file's
  // errors exactly as a run over that file alone would, in a fraction of the time.
  const r = runTsc('wrong', wrongFiles);
  const stray = r.diagnostics.filter((d) => !wrongFiles.includes(d.file));
  assert.deepEqual(stray.map((d) => d.text), [], `tsc errors outside the wrong files (in the d.ts itself?):\n${r.output}`);
  for (const file of wrongFiles) {
    await t.test(path.basename(file), (st) => {
      const want = marker(file);
      const got = r.diagnostics.filter((d) => d.file === file);
      const report = got.map((d) => d.text).join('\n') || '(no errors)';
      st.diagnostic(report.split('\n')[0]);
      const rel = path.relative(root, file);
      assert.ok(got.length > 0, `tsc accepted ${rel}; expected ${want.code} at line ${want.line}`);
      for (const d of got) {
        assert.ok(d.line === want.line && d.code === want.code,
          `${rel}: expected only ${want.code} at line ${want.line}, tsc said:\n${report}`);
      }
    });
  }
  assert.notEqual(r.status, 0, `tsc exited 0 over the wrong files:\n${r.output}`);
});
