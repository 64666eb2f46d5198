// The React app of react.html: window.startReact(props) renders <EarshotCall {...props}/> under
// StrictMode (so effects mount, unmount and mount again) and logs onJoined/onLeft/onError.
import { createElement as h, StrictMode } from 'react';
import { EarshotCall } from './react.js';

window.__events = [];
const log = (type, detail) => {
  window.__events.push({ type, detail });
  const li = document.createElement('li');
  li.textContent = `${type} ${JSON.stringify(detail)}`;
  document.getElementById('log').append(li);
};
let root = null;
window.startReact = (props) => {
  root = root || window.ReactDOM.createRoot(document.getElementById('root'));
  root.render(h(StrictMode, null, h(EarshotCall, {
    ...props,
    onJoined: (s) => log('joined', { state: s.state, self: s.self && s.self.id }),
    onLeft: (e) => log('left', e),
    onError: (f) => log('error', f),
  })));
  return true;
};
window.stopReact = () => { root && root.unmount(); root = null; };
