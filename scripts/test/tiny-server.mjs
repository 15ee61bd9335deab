// A stand-in app for the supervisor's test: answers every request with its pid on PORT (loopback), or with
// CRASH=1 exits with status 1 at once, as an app that cannot start would.
import { createServer } from 'node:http';

if (process.env.CRASH === '1') process.exit(1);
createServer((request, response) => response.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
