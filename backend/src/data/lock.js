'use strict';
// One server per data dir. The lock is an exclusive SQLite lock on $DATA_DIR/earshot.lock, held for the
// life of the process: the kernel drops it when the process dies (even by SIGKILL), so there is never a
// stale lock to clean up. The holder's pid is written next to it (earshot.pid) only to name it in the
// refusal. Taken before anything in the data dir is read or changed.
const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');

class DataDirBusyError extends Error {
  constructor(dataDir, pid) {
    super(`another Earshot server${pid ? ` (pid ${pid})` : ''} is using the data dir ${dataDir}; `
      + 'stop it first, or give this one its own directory with EARSHOT_DATA_DIR (and its own EARSHOT_PORT / EARSHOT_TURN_PORT)');
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/** Takes the data dir's lock or throws DataDirBusyError. Returns { release() }. */
function lockDataDir(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'earshot.lock');
  const pidFile = path.join(dataDir, 'earshot.pid');
  let db;
  try {
    db = new Database(file, { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    // a write transaction takes the exclusive lock; locking_mode=EXCLUSIVE keeps it after COMMIT
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER); COMMIT;');
  } catch (e) {
    try { db?.close(); } catch { /* not open */ }
    if (e && (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED')) {
      let pid = null;
      try { pid = Number(fs.readFileSync(pidFile, 'utf8').trim()) || null; } catch { /* not written yet */ }
      throw new DataDirBusyError(dataDir, pid);
    }
    throw e;
  }
  fs.writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return {
    release() {
      try { if (Number(fs.readFileSync(pidFile, 'utf8').trim()) === process.pid) fs.unlinkSync(pidFile); } catch { /* gone */ }
      try { db.close(); } catch { /* closed */ }
    },
  };
}

module.exports = { lockDataDir, DataDirBusyError };
