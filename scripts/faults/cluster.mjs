// A PostgreSQL cluster of the fault suite's own: initdb in a temporary directory, loopback only, its unix socket in
// that directory, run as the `postgres` system user (PostgreSQL refuses to run as root). The suite restarts, stops
// and freezes it; destroy() removes it, and an exit of the suite's process removes it too.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './net.mjs';

/** The newest installed PostgreSQL's bin directory (Debian's layout). */
function postgresBin() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin/pg_ctl')))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${base} (apt-get install postgresql)`);
  return path.join(base, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

export async function startCluster() {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(tmpdir(), 'openplay-faults-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const user = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((f) => f[0] === 'postgres');
    if (!user) throw new Error('running as root needs a `postgres` system user to run PostgreSQL as');
    chownSync(dir, Number(user[2]), Number(user[3]));
  }
  const commandOf = (tool, args) =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  const runSync = (tool, args, timeout = 60_000) =>
    execFileSync(...commandOf(tool, args), { stdio: ['ignore', 'pipe', 'pipe'], timeout }).toString();
  // The suite's clients keep running while the cluster restarts: pg_ctl must not block the event loop.
  const run = async (tool, args, timeout = 90_000) =>
    (await promisify(execFile)(...commandOf(tool, args), { timeout })).stdout;
  const removeOnExit = () => {
    try {
      thaw();
      runSync('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], 20_000);
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', removeOnExit);

  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const pidsOfCluster = () => {
    const file = path.join(data, 'postmaster.pid');
    if (!existsSync(file)) return [];
    const postmaster = Number(readFileSync(file, 'utf8').split('\n')[0]);
    const children = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The parent pid is the second field after the parenthesised command name.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) children.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return [postmaster, ...children];
  };
  let frozen = [];
  function thaw() {
    for (const pid of frozen.reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    frozen = [];
  }

  runSync('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '--locale=C',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  const cluster = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () =>
      run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']),
    stop: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']),
    restart: () =>
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        path.join(dir, 'server.log'),
        '-o',
        options,
        '-m',
        'fast',
        '-w',
        '-t',
        '60',
        'restart',
      ]),
    /** SIGSTOP to every process of the cluster, the postmaster first so that it starts no new backend meanwhile. */
    freeze: () => {
      for (const pid of pidsOfCluster()) {
        process.kill(pid, 'SIGSTOP');
        frozen.push(pid);
      }
      return frozen.length;
    },
    thaw,
    destroy: () => {
      process.removeListener('exit', removeOnExit);
      removeOnExit();
    },
  };
  await cluster.start();
  return cluster;
}
