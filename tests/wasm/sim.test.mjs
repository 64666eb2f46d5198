// The wasm build of the core loads in node and runs the lead's whole-call simulation scenarios
// (tests/sim compiled into earshot_sim.wasm by src/wasm/CMakeLists.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const dir = new URL('../../build/wasm/src/wasm/', import.meta.url);
const built = existsSync(new URL('earshot_sim.wasm', dir));

test('earshot_sim.wasm runs every simulated call scenario', { skip: !built && 'build/wasm has no earshot_sim (tools/build.sh wasm)' }, async () => {
  const { default: createEarshotSim } = await import(new URL('earshot_sim.js', dir));
  // In node, always hand the bytes in (the default loader's fetch fallback fails on file paths).
  const sim = await createEarshotSim({ wasmBinary: await readFile(new URL('earshot_sim.wasm', dir)) });
  const names = JSON.parse(sim.scenarioNames());
  assert.ok(names.includes('full-call'), `scenarios: ${names}`);
  for (const name of names) {
    const r = JSON.parse(sim.runScenario(name, 7));
    assert.equal(r.ok, true, `${name}: ${r.failures.join('; ')}`);
  }
  const full = JSON.parse(sim.runScenario('full-call', 7));
  assert.ok(full.transitions.some(([, to]) => to === 'connected'), 'full-call reaches connected');
});
