import type { ErrorFormat } from '@openplay/core';
import type { FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorFormatResolver } from '../errors/api-exception.filter';
import { renderError } from '../errors/render-error';

/** What Node hands the server's clientError listener: a parser error (HPE_*) or a timeout, with the bytes it failed on. */
export interface ClientError extends Error {
  readonly code?: string;
  /** The chunk the parser was reading when it failed (not the whole request): absent on timeouts. */
  readonly rawPacket?: unknown;
}

export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** Told of each refusal, for the metrics and the access log (the app's hooks never see these requests). */
export type RefusalObserver = (refusal: Refusal, socket: Socket, url: string | undefined) => void;

/**
 * How long a refused connection is still read (and its bytes dropped) after the answer, at most. Closing a socket
 * whose client is still sending makes the kernel reset the connection, and a reset can destroy the answer before
 * the client reads it (a client sending a 10 MB URL would see a broken connection rather than the 414).
 */
const LINGER_MS = 5000;

const HANDLED = Symbol('openplay.clientErrorAnswered');

/**
 * Fastify's clientErrorHandler: what Node's HTTP parser refuses before the app sees a request (a head over the
 * size limit, bytes no request may hold, ambiguous framing, a head or body arriving too slowly) gets the API's error
 * shape, in the requested format when the request line can be read, then the connection closes. Node calls it
 * again for each chunk the failed parser is handed while the connection lingers: only the first call answers.
 */
export function clientErrorHandler(formatOf: ErrorFormatResolver, maxHeaderBytes: number, observe: RefusalObserver) {
  return (error: ClientError, socket: Socket): void => {
    const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined;
    const state = socket as Socket & {
      [HANDLED]?: true;
      _httpMessage?: { headersSent?: boolean; req?: { url?: string } };
    };
    if (state[HANDLED] || error.code === 'ECONNRESET' || socket.destroyed) return;
    state[HANDLED] = true;
    const inFlight = state._httpMessage;
    // An answer already begun cannot be replaced; and nothing can be written to a connection the client closed.
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalOf(error.code, packet, maxHeaderBytes);
    // A request whose head was read (a body that arrives too slowly) is in flight with its URL; otherwise, the
    // request line the failed chunk starts with, if it does.
    const url = inFlight?.req?.url ?? requestTargetOf(packet);
    const rendered = renderError(formatOfUrl(formatOf, url), refusal.status, refusal.status, refusal.message);
    socket.write(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
        `content-type: ${rendered.contentType}\r\ncontent-length: ${Buffer.byteLength(rendered.body)}\r\nconnection: close\r\n\r\n${rendered.body}`,
    );
    lingeringClose(socket);
    observe(refusal, socket, url);
  };
}

/** The status and message for what the parser refused. */
export function refusalOf(code: string | undefined, packet: Buffer | undefined, maxHeaderBytes: number): Refusal {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: '[408] Request timeout: the request did not arrive in time' };
    case 'HPE_HEADER_OVERFLOW':
      return urlOverflowed(packet, maxHeaderBytes)
        ? { status: 414, message: `[414] URI too long: the request line exceeds ${maxHeaderBytes} bytes` }
        : {
            status: 431,
            message: `[431] Request header fields too large: the request head exceeds ${maxHeaderBytes} bytes`,
          };
    case 'HPE_INVALID_URL':
      return { status: 400, message: '[400] Malformed URL' };
    default:
      return { status: 400, message: '[400] Malformed request' };
  }
}

/**
 * Node bounds the request line and the headers together. The URL is what overflowed when the chunk holds the start
 * of the request and its request line is longer than the limit, or does not end in the chunk at all. A chunk from
 * the middle of a head (a client sending in small pieces) does not say which: the head as a whole is too large.
 */
function urlOverflowed(packet: Buffer | undefined, maxHeaderBytes: number): boolean {
  if (!packet || !REQUEST_LINE_START.test(packet.subarray(0, 16).toString('latin1'))) return false;
  const end = packet.indexOf('\n');
  return end < 0 || end >= maxHeaderBytes;
}

const REQUEST_LINE_START = /^[A-Z]+ /;

/** The request target of the request line the chunk starts with, cut after its last whole parameter if the line does not end there. */
export function requestTargetOf(packet: Buffer | undefined): string | undefined {
  if (!packet) return undefined;
  const head = packet.subarray(0, 65_536).toString('latin1');
  const start = REQUEST_LINE_START.exec(head);
  if (!start) return undefined;
  const lineEnd = head.search(/[\r\n]/);
  const target = (lineEnd < 0 ? head : head.slice(0, lineEnd)).slice(start[0].length);
  const space = target.indexOf(' ');
  if (space >= 0) return target.slice(0, space);
  if (lineEnd >= 0) return target;
  // The line goes on past the chunk: its last parameter may be cut (errorFormat=js…), so it is left out.
  const cut = target.lastIndexOf('&');
  if (cut >= 0) return target.slice(0, cut);
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/** The app's errorFormat rule applied to a bare URL (the rules read nothing else from a request without a body). */
function formatOfUrl(formatOf: ErrorFormatResolver, url: string | undefined): ErrorFormat {
  try {
    return formatOf({ url: url ?? '/', headers: {}, body: undefined } as unknown as FastifyRequest);
  } catch {
    return 'html';
  }
}

/** Ends the answer, keeps reading (and dropping) what the client still sends, then closes. */
function lingeringClose(socket: Socket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}
