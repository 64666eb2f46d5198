// The stand-in's event log, read by tests through GET /_standin/log (newest 5000 entries kept).
'use strict';

function createLog({ now, echo = false, cap = 5000 }) {
  const entries = [];
  let seq = 0;
  return {
    add(kind, fields = {}) {
      const e = { seq: ++seq, t: new Date(now()).toISOString(), kind, ...fields };
      entries.push(e);
      if (entries.length > cap) entries.splice(0, entries.length - cap);
      if (echo) process.stderr.write(`[kvs] ${JSON.stringify(e)}\n`);
      return e;
    },
    since: (n = 0) => entries.filter((e) => e.seq > n),
  };
}

module.exports = { createLog };
