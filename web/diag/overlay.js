// The diagnostics overlay's page, inside an iframe the room page makes only when someone opens it.
// It loads the Dear ImGui module (earshot_diag.js/.wasm), feeds it the call core's diagnostics view
// once a second, and offers a support report on the clipboard. The room page hands over what it
// shares through window.earshotDiagnostics on itself: {view(), close(), key(event)}.
import createEarshotDiag from './earshot_diag.js';

const host = window.parent !== window && window.parent.earshotDiagnostics;
const $ = (id) => document.getElementById(id);
const canvas = $('canvas');
const status = (text) => { $('status').textContent = text; };
const close = () => host && host.close();

// The support report: the core's diagnostics view (which holds no tokens, TURN credentials or
// signed URLs) with when and where it was taken.
function report() {
  return { earshot: 'diagnostics-report', takenAt: new Date().toISOString(), userAgent: navigator.userAgent, diagnostics: host.view() };
}

$('close').onclick = close;
$('copy').onclick = async () => {
  try {
    await navigator.clipboard.writeText(JSON.stringify(report(), null, 2));
    status('Report copied. Paste it into your message to support.');
  } catch (e) {
    status(`Could not copy the report: ${e.message}`);
  }
};
// Registered before the module's GLFW listeners: Tab keeps moving focus (GLFW would swallow it), D and
// Escape close, and M still mutes the call (the room page's key) while focus is in here.
window.addEventListener('keydown', (e) => {
  if (e.key === 'Tab') { e.stopImmediatePropagation(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape' || e.key === 'd' || e.key === 'D') { e.preventDefault(); close(); }
  else if (e.key === 'm' || e.key === 'M') host && host.key(e.key);
}, true);

if (!host) {
  $('fallback').hidden = false;
  $('fallback').textContent = 'Open diagnostics from a call: the D key or the Diagnostics button on the room page.';
  canvas.hidden = true;
} else {
  const size = () => [Math.max(1, canvas.clientWidth), Math.max(1, canvas.clientHeight)];
  const m = await createEarshotDiag({ canvas });
  if (!m.start(...size())) {
    $('fallback').hidden = false;
    $('fallback').textContent = 'This browser cannot draw the diagnostics (WebGL 2 is off). Copy report still works.';
    canvas.hidden = true;
  }
  const feed = () => { try { m.update(JSON.stringify(host.view())); } catch { /* the call ended */ } };
  feed();
  setInterval(feed, 1000);
  window.addEventListener('resize', () => m.resize(...size()));
  // What the last frame drew (windows, per-link figures): for tests, and for support over the phone.
  window.earshotDiag = { shown: () => JSON.parse(m.shown()) };
  canvas.focus();
}
