// Loaded into the e2e user-service and web app with `NODE_OPTIONS=--import=<this file>`: it watches what the
// process sends and appends every secret it issues — access, refresh and approval tokens in JSON bodies,
// session and CSRF cookies in Set-Cookie headers — to E2E_TOKEN_FILE, one per line. The redaction spec then
// proves none of them reached a log. Test harness only: it observes and never changes a response.
import { appendFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';

const file = process.env.E2E_TOKEN_FILE;
// OAuth token responses of the OpenID Provider (docs/sso.md) spell them access_token, refresh_token, id_token.
const BODY_SECRET = /"(?:accessToken|refreshToken|ticket|access_token|refresh_token|id_token)"\s*:\s*"([^"]{16,})"/g;
// The portal's cookies carry its own prefix (cookies ignore ports: apps on one host need their own names).
const COOKIE_SECRET = /^(?:__Host-|__Secure-)?(?:next-auth|portal)\.(?:session-token(?:\.\d+)?|csrf-token)=([^;]{16,})/;

function record(secret) {
  if (file) appendFileSync(file, `${secret}\n`);
}

function scanBody(chunk) {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '';
  for (const match of text.matchAll(BODY_SECRET)) record(match[1]);
}

function scanCookies(value) {
  for (const line of Array.isArray(value) ? value : [value]) {
    const secret = COOKIE_SECRET.exec(String(line))?.[1];
    if (!secret) continue;
    // The CSRF cookie is `<token>|<hash>` (URL-encoded): record both halves, each could leak on its own.
    for (const part of decodeURIComponent(secret).split('|')) if (part.length >= 16) record(part);
  }
}

if (file) {
  const { write, end, setHeader, appendHeader, writeHead } = ServerResponse.prototype;
  ServerResponse.prototype.write = function tappedWrite(chunk, ...rest) {
    if (typeof chunk !== 'function') scanBody(chunk);
    return write.call(this, chunk, ...rest);
  };
  ServerResponse.prototype.end = function tappedEnd(chunk, ...rest) {
    if (chunk !== undefined && typeof chunk !== 'function') scanBody(chunk);
    return end.call(this, chunk, ...rest);
  };
  ServerResponse.prototype.setHeader = function tappedSetHeader(name, value) {
    if (String(name).toLowerCase() === 'set-cookie') scanCookies(value);
    return setHeader.call(this, name, value);
  };
  ServerResponse.prototype.appendHeader = function tappedAppendHeader(name, value) {
    if (String(name).toLowerCase() === 'set-cookie') scanCookies(value);
    return appendHeader.call(this, name, value);
  };
  ServerResponse.prototype.writeHead = function tappedWriteHead(status, ...rest) {
    const headers = rest.find((argument) => argument !== null && typeof argument === 'object');
    if (Array.isArray(headers)) {
      // Raw header list: [name, value, name, value, ...]
      for (let index = 0; index + 1 < headers.length; index += 2) if (String(headers[index]).toLowerCase() === 'set-cookie') scanCookies(headers[index + 1]);
    } else if (headers) {
      for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'set-cookie') scanCookies(value);
    }
    return writeHead.call(this, status, ...rest);
  };
}
