// The room pages read and write JSON with the browser's JSON.parse and JSON.stringify, walked from and
// into nlohmann::json (src/wasm/json_browser.cpp); everything else uses nlohmann's own parser and
// serializer (src/core/json_nlohmann.cpp). earshot_sim.wasm carries both: on a corpus of frames and
// tricky texts, and on thousands of seeded mutations of them, they must accept and refuse the same
// texts, read the same values and write texts that read back the same. The differences by design:
// JavaScript numbers are doubles ("1.0" reads as 1, 2^64-1 as a double), and JavaScript writes an
// object's integer-like keys ("2", "10") first, in numeric order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const dir = new URL('../../build/wasm/src/wasm/', import.meta.url);
const built = existsSync(new URL('earshot_sim.wasm', dir));
const skip = !built && 'build/wasm has no earshot_sim (tools/build.sh wasm)';

let sim;
async function load() {
  if (!sim) {
    const { default: createEarshotSim } = await import(new URL('earshot_sim.js', dir));
    sim = await createEarshotSim({ wasmBinary: await readFile(new URL('earshot_sim.wasm', dir)) });
  }
  return sim;
}
const enc = new TextEncoder();
const bytes = (s) => (typeof s === 'string' ? enc.encode(s) : Uint8Array.from(s));

const corpus = [
  // frames the pages really read
  '["signal",{"to":"p2","from":"p1","sdp":{"type":"offer","sdp":"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n"}}]',
  '["candidate",{"to":"p2","candidate":{"candidate":"candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0}}]',
  '["room-state",{"self":{"id":"a","name":"Ada"},"others":[{"id":"b","name":"Bé","role":"guest","muted":false}],"capacity":3}]',
  '{"sid":"x1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
  '{"roomId":"r-1","token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","iceServers":[{"urls":["turn:127.0.0.1:3478?transport=udp"],"username":"1764000000:a","credential":"Zm9v"}],"expiresAt":1764000000000}',
  '{"error":{"code":"invite.used","message":"This invite link has already been used."}}',
  '{"profile":"selfhosted","api":"http://127.0.0.1:8080","embedOrigins":["https://example.com"],"seed":7}',
  '{"action":"ICE_CANDIDATE","messagePayload":"eyJjYW5kaWRhdGUiOiIifQ==","recipientClientId":"viewer-1"}',
  '{"type":"chat","room":"general","from":"ada","text":"hi \\ud83d\\ude00 \\u00e9\\t\\"q\\" \\\\ \\/","ts":1764000000123}',
  // values and numbers
  'null', 'true', 'false', '0', '-0', '1', '-1', '1.5', '-2.25', '1e3', '1E-3', '0.1', '123456789', '9007199254740991',
  '-9007199254740991', '3.141592653589793', '"x\\u0000y"', '"\\ud83d\\ude00"', '[]', '{}', ' [ 1 , 2 ] ', '\t\n\r {"a" : [ ] }\n',
  '{"a":1,"a":2}', '{"__proto__":{"x":1},"constructor":2}', '{"10":1,"2":2,"b":3,"a":4}', '[[[[[[[[[[]]]]]]]]]]',
  '"\u00e9\u4e2d\u{1F600}"', '\ufeff{"bom":true}',
  // refused by both
  '', ' ', '{', '}', '[1,]', '{"a":1,}', '{"a"}', "{'a':1}", 'nul', 'tru', 'NaN', 'Infinity', '-', '01', '1.', '.5', '+1',
  '1e', '1e400', '-1e400', '"\\ud800"', '"\\udc00"', '"\\ud800a"', '"a\\x"', '"\\u12"', '"tab\there"', '"line\nbreak"',
  '{} x', '[] []', '"unterminated', '/* c */ {}', '{"a":1 // c\n}', '[1 2]', '\ufeff\ufeff{}', '{"\\ud800":1}',
];
const byteCases = [
  [0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22],
  [0x22, 0xe2, 0x82, 0x22], [0x7b, 0x7d, 0x00], [0x7b, 0x7d, 0x00, 0xff, 0x78], [0x00, 0x7b, 0x7d],
  [0x22, 0x61, 0x00, 0x62, 0x22], [0xef, 0xbb], [0xef, 0x00, 0x31], [0x22, 0xf0, 0x9f, 0x98, 0x80, 0x22],
];

// As JavaScript reads it, with -0 as 0: "-0" is the integer 0 to nlohmann and "-0.0" a double, but one
// and the same -0 to JSON.parse, so the page reads both as 0.
const read = (text) => JSON.parse(text, (k, v) => (Object.is(v, -0) ? 0 : v));

// Same acceptance, and the same value once both are read as JavaScript (numbers as doubles); and what
// the page's writer makes of nlohmann's value reads back as that value.
function compare(sim, input, label) {
  const a = sim.parseJsonNlohmann(input);
  const b = sim.parseJsonBrowser(input);
  if (a === '' || b === '') {
    assert.equal(b === '', a === '', `${label}: nlohmann ${a === '' ? 'refuses' : 'accepts'} it, the page's parser ${b === '' ? 'refuses' : 'accepts'} it (${b || a})`);
    return a !== '';
  }
  assert.deepEqual(read(b), read(a), `${label}: different values`);
  const written = sim.writeJsonBrowser(input);
  assert.deepEqual(read(written), read(a), `${label}: the page writes ${written}`);
  return true;
}

test('the pages\' JSON parser accepts, refuses and reads exactly what nlohmann\'s does', { skip }, async () => {
  const sim = await load();
  let accepted = 0;
  for (const t of corpus) accepted += compare(sim, bytes(t), JSON.stringify(t).slice(0, 80));
  for (const b of byteCases) accepted += compare(sim, bytes(b), `bytes ${b.map((x) => x.toString(16)).join(' ')}`);
  assert.ok(accepted > 30 && accepted < corpus.length + byteCases.length - 30, `the corpus holds both kinds (${accepted} accepted)`);
  // depth: both take 64 levels and refuse 65
  for (const d of [64, 65]) {
    const nested = '['.repeat(d) + ']'.repeat(d);
    assert.equal(compare(sim, nested, `depth ${d}`), d === 64);
    assert.equal(compare(sim, '{"a":'.repeat(d) + '1' + '}'.repeat(d), `object depth ${d}`), d <= 64);
  }
});

// tools/fuzz.sh asks for more (EARSHOT_JSON_MUTANTS) from a new seed (EARSHOT_JSON_SEED, printed on a
// finding so it can be replayed); the test command's wasm suite runs the same 6,000 every time.
const MUTANTS = Number(process.env.EARSHOT_JSON_MUTANTS) || 6000;
test(`the two parsers agree on ${MUTANTS} seeded mutations of real frames`, { skip }, async () => {
  const sim = await load();
  let seed = Number(process.env.EARSHOT_JSON_SEED) || 20261202;  // tools/fuzz.sh picks a new one each run
  const rnd = (n) => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  const interesting = [...'"\\{}[],:0-.eEu1 \n\t'].map((c) => c.charCodeAt(0)).concat([0x00, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xed, 0xa0, 0xf0, 0xf4, 0xff]);
  const seeds = corpus.filter((t) => t.length > 2).map(bytes);
  let accepted = 0;
  const runs = MUTANTS;
  for (let i = 0; i < runs; i++) {
    const m = Array.from(seeds[rnd(seeds.length)]);
    for (let k = 1 + rnd(3); k > 0; k--) {
      const at = rnd(m.length + 1);
      const op = rnd(4);
      if (op === 0 && m.length) m[Math.min(at, m.length - 1)] = interesting[rnd(interesting.length)];
      else if (op === 1) m.splice(at, 0, interesting[rnd(interesting.length)]);
      else if (op === 2 && m.length) m.splice(at, 1 + rnd(3));
      else m.splice(at, 0, ...m.slice(rnd(m.length + 1), rnd(m.length + 1)));
    }
    accepted += compare(sim, Uint8Array.from(m), `mutant ${i}: ${JSON.stringify(Buffer.from(m).toString('latin1')).slice(0, 120)}`);
  }
  // Most mutants are broken, but enough survive that values are compared too.
  assert.ok(accepted > runs / 20 && accepted < runs / 2, `${accepted} of ${runs} mutants accepted`);
});

test('numbers: the page reads whole numbers as integers and integers beyond 2^53 as doubles, as said', { skip }, async () => {
  const sim = await load();
  const cases = [
    ['1.0', '1.0', '1'], ['1e2', '100.0', '100'], ['-0', '0', '0'], ['-0.0', '-0.0', '0'], ['[-1,2]', '[-1,2]', '[-1,2]'],
    ['18446744073709551615', '18446744073709551615', '1.8446744073709552e+19'],
    ['9007199254740993', '9007199254740993', '9.007199254740992e+15'],
  ];
  for (const [text, nlohmann, page] of cases) {
    assert.equal(sim.parseJsonNlohmann(text), nlohmann, `nlohmann reads ${text}`);
    assert.equal(sim.parseJsonBrowser(text), page, `the page reads ${text}`);
  }
});

test('writing: the page writes what nlohmann writes, but for doubles that are whole and integer-like keys', { skip }, async () => {
  const sim = await load();
  const same = [
    '{"a":[true,null,"x"],"b":1}', String.raw`"tab\t nl\n nul\u0000 us\u001f q\" bs\\ é 😀 /"`,
    '[-1,0,1.5,0.25,123456789012]', '{"__proto__":{"x":1}}', '{}', '[]', '""', '{"sdp":"v=0\\r\\n"}',
  ];
  for (const text of same) assert.equal(sim.writeJsonBrowser(text), sim.parseJsonNlohmann(text), `writing ${text}`);
  assert.equal(sim.parseJsonNlohmann('[1.0,2e0]'), '[1.0,2.0]');
  assert.equal(sim.writeJsonBrowser('[1.0,2e0]'), '[1,2]');
  assert.equal(sim.parseJsonNlohmann('{"b":0,"10":1,"2":2}'), '{"10":1,"2":2,"b":0}');
  assert.equal(sim.writeJsonBrowser('{"b":0,"10":1,"2":2}'), '{"2":2,"10":1,"b":0}');
  // Invalid UTF-8 in a string is written as U+FFFD by both (never refused: a frame still goes out).
  for (const bytes of [[0x61, 0xff, 0x62], [0x61, 0xc3], [0xed, 0xa0, 0x80], [0xc3, 0xa9, 0xfe]]) {
    const page = JSON.parse(sim.writeStringBrowser(Uint8Array.from(bytes)));
    const nl = JSON.parse(sim.writeStringNlohmann(Uint8Array.from(bytes)));
    assert.match(page, /\uFFFD/, `bytes ${bytes}: ${JSON.stringify(page)}`);
    assert.equal(page.replace(/\uFFFD+/g, '?'), nl.replace(/\uFFFD+/g, '?'), `bytes ${bytes}: the same text around the replacements`);
  }
});
