// Owns the "an app developer's page" program that tsc must accept against earshot.d.ts: every Call method, every event, the snapshot store.
import { startCall, EarshotError, type Call, type Snapshot, type FailureCode, type CallEvents } from '@earshot/client';

type Participant = CallEvents['participants'][number];

// Help for the failures this app explains itself; any other code shows the core's own sentence.
const help: Partial<Record<FailureCode, string>> = {
  'invite.expired': 'This link has expired. Ask the host for a new one.',
  'invite.used': 'This link was already used. Ask the host for a new one.',
  'mic.denied': 'Allow the microphone for this site in your browser settings, then try again.',
};

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

function describe(p: Participant): string {
  const role = p.role === 'host' ? ' (host)' : '';
  const link = p.connection === 'connected' || p.connection === 'none' ? '' : ` · ${p.connection}`;
  const since = new Date(p.joinedAt).toLocaleTimeString();
  return `${p.name}${role}${p.muted ? ' · muted' : ''}${link} · since ${since}`;
}

function render(s: Snapshot): void {
  $('state').textContent = s.state;
  $('who').textContent = s.self ? `${s.self.name} (${s.self.role})` : '';
  $('people').replaceChildren(...s.participants.map((p) => {
    const li = document.createElement('li');
    li.textContent = describe(p);
    li.classList.toggle('speaking', p.speaking);
    li.style.setProperty('--level', p.level.toFixed(2));
    li.dataset.id = p.id;
    return li;
  }));
  $<HTMLButtonElement>('mute-btn').setAttribute('aria-pressed', String(s.muted));
  const problem = $('problem');
  problem.hidden = s.failure === null;
  if (s.failure) {
    problem.textContent = help[s.failure.code] ?? s.failure.message;
    problem.dataset.code = s.failure.code;
  }
}

// The store contract React's useSyncExternalStore(subscribe, getSnapshot) relies on: the same
// object until something changed, so a re-render happens only on a new snapshot.
function watch(call: Call, draw: (s: Snapshot) => void): () => void {
  let last: Snapshot | null = null;
  const onChange = () => {
    const s = call.getSnapshot();
    if (s !== last) draw((last = s));
  };
  onChange();
  return call.subscribe(onChange);
}

function wire(call: Call): () => void {
  const live = $('live');
  const soundBtn = $<HTMLButtonElement>('sound-btn');
  const retryBtn = $<HTMLButtonElement>('retry-btn');
  const offs: Array<() => void> = [
    call.on('state', ({ from, to }) => {
      document.body.dataset.state = to;
      if (from === 'connected' && to === 'reconnecting') live.textContent = 'Connection lost, reconnecting…';
    }),
    call.on('failure', (f) => {
      retryBtn.hidden = !f.retryable;
      if (f.code === 'mic.denied') $('mic-help').hidden = false;
      console.warn(`earshot ${f.code}: ${f.message}`);
    }),
    call.on('announce', ({ text }) => { live.textContent = text; }),
    call.on('participants', (list) => {
      const speaking = list.filter((p) => p.speaking && !p.muted).map((p) => p.name);
      $('speaking').textContent = speaking.join(', ');
    }),
    call.on('autoplay-blocked', ({ detail }) => {
      soundBtn.hidden = false;
      soundBtn.title = detail;
    }),
  ];
  // Kept as a named handler so off() can remove exactly it.
  const onSound = (_payload: CallEvents['sound-playing']) => { soundBtn.hidden = true; };
  call.on('sound-playing', onSound);

  $<HTMLFormElement>('name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    call.enterName($<HTMLInputElement>('name').value.trim());
  });
  $('join-btn').addEventListener('click', () => call.join());
  $('leave-btn').addEventListener('click', () => call.leave());
  retryBtn.addEventListener('click', () => call.retry());
  soundBtn.addEventListener('click', () => call.resumeAudio());
  $('mute-btn').addEventListener('click', () => call.setMuted(!call.getSnapshot().muted));
  const input = $<HTMLSelectElement>('input-device');
  input.addEventListener('change', () => call.chooseInput(input.value));
  const output = $<HTMLSelectElement>('output-device');
  output.addEventListener('change', () => {
    call.setOutput(output.value).catch((e: unknown) => {
      live.textContent = `Could not switch the speaker: ${e instanceof Error ? e.message : String(e)}`;
    });
  });
  return () => {
    for (const off of offs) off();
    call.off('sound-playing', onSound);
  };
}

// A level meter fed from the call's own microphone stream.
function meter(call: Call): void {
  const stream: MediaStream | null = call.micStream();
  const track = stream?.getAudioTracks()[0];
  $('mic-label').textContent = track ? track.label : 'No microphone';
}

async function logStats(call: Call): Promise<void> {
  for (const { link, participant, report } of await call.stats()) {
    let rtt = 0, count = 0;
    report.forEach((s) => {
      count++;
      if (s.type === 'candidate-pair' && s.nominated) rtt = s.currentRoundTripTime ?? 0;
    });
    console.debug(`link ${link} to ${participant}: rtt ${rtt}s, ${count} stats`);
  }
}

async function main(): Promise<void> {
  let call: Call;
  try {
    call = await startCall({
      config: { profile: 'selfhosted', apiBase: '', iceTransportPolicy: 'all' },
      url: location.href,
      audio: document.querySelector('audio') ?? undefined,
      onUpdate: (s) => { document.title = `Earshot · ${s.state}`; },
      onEffect: (effect) => console.debug('earshot effect', effect.type),
      storage: sessionStorage,
    });
  } catch (e) {
    if (e instanceof EarshotError) {
      const code: string = e.code;
      $('problem').textContent = `${e.message} (${code})`;
      return;
    }
    throw e;
  }
  const stopWatching = watch(call, render);
  const unwire = wire(call);
  meter(call);
  const timer = setInterval(() => { void logStats(call); }, 5000);
  window.addEventListener('pagehide', () => {
    clearInterval(timer);
    unwire();
    stopWatching();
    call.destroy();
  }, { once: true });
}

// Tests and node hosts hand the module its bytes and keep no session.
export async function startForTest(wasm: Uint8Array, url: string): Promise<Call> {
  return startCall({ wasmBinary: wasm, url, storage: null });
}

void main();
