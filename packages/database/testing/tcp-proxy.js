// A loopback TCP proxy to put between an app and its PostgreSQL, to play a database that stops answering or is down.
//
//   const { startTcpProxy } = require('@openplay/database/testing');
//   const proxy = await startTcpProxy({ target: databaseUrl });   // or 'host:port'; listens on 127.0.0.1, a free port
//   const url = proxy.url(databaseUrl);   // databaseUrl with host and port replaced by the proxy's (proxy.port)
//   await proxy.freeze();    // sockets stay open, no byte goes either way; new connections are accepted and held
//   await proxy.refuse();    // every socket is destroyed and the port stops listening: new connections get ECONNREFUSED
//   await proxy.resume();    // back to pass: held bytes are delivered, the port listens again (same port)
//   await proxy.close();
//
// proxy.mode says which of 'pass' | 'freeze' | 'refuse' is on; proxy.connections counts the open client sockets.
// A socket closed while frozen closes its peer at once (what it sent that was held back is dropped): a stopped server's
// kernel still delivers a FIN, and tests then need not wait for TCP keepalives. Plain CommonJS like the rest of the folder.
const net = require('node:net');

function parseTarget(target) {
  if (/^postgres(ql)?:\/\//.test(target)) {
    const parsed = new URL(target);
    return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432) };
  }
  const at = target.lastIndexOf(':');
  if (at < 0) throw new Error(`tcp proxy target must be a postgresql:// URL or host:port, got ${target}`);
  return { host: target.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(target.slice(at + 1)) };
}

/** One client socket and its upstream one; bytes are held back while the proxy is frozen. */
function pipePair(client, upstream, proxy) {
  const held = { toUpstream: [], toClient: [] };
  const forward = (from, to, queue) => {
    from.on('data', (chunk) => {
      if (proxy.mode === 'pass') to.write(chunk);
      else queue.push(chunk);
    });
  };
  forward(client, upstream, held.toUpstream);
  forward(upstream, client, held.toClient);
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
    proxy.pairs.delete(pair);
  };
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
  client.on('error', () => undefined);
  upstream.on('error', () => undefined);
  const pair = {
    flush() {
      for (const chunk of held.toUpstream.splice(0)) upstream.write(chunk);
      for (const chunk of held.toClient.splice(0)) client.write(chunk);
    },
    destroy: closeBoth,
  };
  proxy.pairs.add(pair);
}

async function startTcpProxy({ target, host = '127.0.0.1', port = 0 }) {
  const upstreamAddress = parseTarget(target);
  const state = { mode: 'pass', pairs: new Set() };
  const server = net.createServer((client) => {
    if (state.mode === 'refuse') return client.destroy();
    const upstream = net.connect(upstreamAddress);
    pipePair(client, upstream, state);
  });
  const listen = (atPort) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(atPort, host, () => {
        server.removeListener('error', reject);
        resolve(server.address().port);
      });
    });
  const stopListening = () => new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const boundPort = await listen(port);

  return {
    port: boundPort,
    host,
    get mode() {
      return state.mode;
    },
    get connections() {
      return state.pairs.size;
    },
    url(databaseUrl) {
      const parsed = new URL(databaseUrl);
      parsed.hostname = host;
      parsed.port = String(boundPort);
      return parsed.toString();
    },
    async freeze() {
      if (state.mode === 'refuse') await listen(boundPort);
      state.mode = 'freeze';
    },
    async refuse() {
      state.mode = 'refuse';
      const closed = stopListening();
      for (const pair of [...state.pairs]) pair.destroy();
      await closed;
    },
    async resume() {
      if (state.mode === 'refuse') await listen(boundPort);
      state.mode = 'pass';
      for (const pair of state.pairs) pair.flush();
    },
    async close() {
      state.mode = 'refuse';
      const closed = stopListening();
      for (const pair of [...state.pairs]) pair.destroy();
      await closed;
    },
  };
}

module.exports = { startTcpProxy };
