// Loaded into each benchmark server by the harness (node --require; cluster workers inherit it): appends the TCP
// port of every server that starts listening, one JSON line, to the file BENCH_LISTEN_REPORT names. The servers
// listen on port 0, so the kernel picks a free port at bind time, and the harness learns it from a file only the
// process it started knows of: no window between choosing a port and binding it, and no way to load another run's
// server that happens to answer on a port thought free.
'use strict';
const { appendFileSync } = require('node:fs');
const net = require('node:net');

const file = process.env.BENCH_LISTEN_REPORT;
if (file) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object')
        appendFileSync(file, `${JSON.stringify({ pid: process.pid, address: address.address, port: address.port })}\n`);
    });
    return listen.apply(this, args);
  };
}
