// What the vendor adapters (./chime.js, ./ivs.js) share: fetching their SDK's browser bundle once,
// with a script tag (both ship as scripts that define one global), and telling the core and the page
// that the SDK's session started or stopped.
const loading = new Map();  // url -> promise of the global

// The global `name` that the script at `url` defines; a failed load may be tried again.
export function loadScript(url, name) {
  if (window[name]) return Promise.resolve(window[name]);
  if (!loading.has(url)) {
    loading.set(url, new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.async = true;
      s.onload = () => (window[name] ? resolve(window[name]) : reject(new Error(`${url} did not define ${name}`)));
      s.onerror = () => { loading.delete(url); s.remove(); reject(new Error(`could not load ${url}`)); };
      document.head.append(s);
    }));
  }
  return loading.get(url);
}

// A vendor-started / vendor-stopped input, for the core, and for the document as the event
// `earshot-vendor` (detail = the input): pages and tests time the SDK's own milestones with it.
export function tell(report, input) {
  report(input);
  document.dispatchEvent(new CustomEvent('earshot-vendor', { detail: input }));
}
