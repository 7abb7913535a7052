// server.mjs starts a real oidc-provider (https://github.com/panva/node-oidc-provider) on
// 127.0.0.1 for internal/oauth/interop_test.go.
//
// Usage: node server.mjs CLIENTS_JSON [PORT]
//
// CLIENTS_JSON is a file holding {"clients": [<client metadata>...]} in oidc-provider's (RFC 7591)
// format; grant_types, response_types and redirect_uris default to a client_credentials-only
// client. PORT defaults to 0 (any free port).
//
// Once listening, the first stdout line is {"issuer":"http://127.0.0.1:PORT"}. Server-side events
// (grant.success, grant.error, server_error, ...) go to stderr as JSON lines, because
// oidc-provider only answers "invalid_client" to the caller while the reason is in its events.
//
// oidc-provider accepts client_secret_basic and client_secret_post interchangeably for a client
// registered with either, so every token request is recorded with the authentication method the
// request really used (Authorization header, body secret, or client assertion), served as JSON at
// GET /_interop/token-requests.
//
// The process exits when stdin closes, so it never outlives the test that started it.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

const [clientsFile, portArg = '0'] = process.argv.slice(2);
if (!clientsFile) {
  process.stderr.write('usage: node server.mjs CLIENTS_JSON [PORT]\n');
  process.exit(2);
}

const { clients } = JSON.parse(readFileSync(clientsFile, 'utf8'));
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function log(event, fields) {
  process.stderr.write(`${JSON.stringify({ event, ...fields })}\n`);
}

// usedMethod names the client authentication method a token request really used.
function usedMethod(ctx) {
  const params = ctx.oidc?.params ?? {};
  if (ctx.headers.authorization !== undefined) return 'client_secret_basic';
  if (params.client_secret) return 'client_secret_post';
  if (params.client_assertion) return 'private_key_jwt';
  return 'none';
}

// assertion returns the decoded JOSE header and claims of a client assertion (no secrets:
// they are signed, not encrypted, and carry no key material).
function assertion(ctx) {
  const jwt = ctx.oidc?.params?.client_assertion;
  if (!jwt) return undefined;
  const [header, payload] = jwt.split('.').slice(0, 2).map((part) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  });
  return { header, payload };
}

const tokenRequests = [];

function record(ctx, outcome, err) {
  const entry = {
    client_id: ctx.oidc?.client?.clientId ?? ctx.oidc?.params?.client_id ?? null,
    registered_method: ctx.oidc?.client?.clientAuthMethod ?? null,
    used_method: usedMethod(ctx),
    grant_type: ctx.oidc?.params?.grant_type ?? null,
    scope: ctx.oidc?.params?.scope ?? null,
    outcome,
  };
  const a = assertion(ctx);
  if (a) entry.assertion = a;
  if (err) {
    entry.error = err.error ?? err.message;
    entry.error_description = err.error_description;
    entry.error_detail = err.error_detail;
  }
  tokenRequests.push(entry);
  return entry;
}

const server = createServer();
server.listen(Number(portArg), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      ...c,
    })),
    jwks: { keys: [{ ...signingKey, kid: 'interop-signing', use: 'sig', alg: 'RS256' }] },
    scopes: ['audit.read.all', 'platformbackup.readwrite.all'],
    // IdentityServer's paths, as AvePoint's identity service uses them.
    routes: { token: '/connect/token', introspection: '/connect/introspect' },
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
    },
    ttl: { ClientCredentials: 600 },
  });

  provider.on('grant.success', (ctx) => log('grant.success', record(ctx, 'success')));
  provider.on('grant.error', (ctx, err) => log('grant.error', record(ctx, 'error', err)));
  provider.on('introspection.error', (ctx, err) => log('introspection.error', {
    error: err.error ?? err.message, error_description: err.error_description, error_detail: err.error_detail,
  }));
  provider.on('server_error', (ctx, err) => log('server_error', {
    path: ctx.path, error: err.message, stack: err.stack,
  }));

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/_interop/token-requests') {
      ctx.body = tokenRequests;
      return;
    }
    await next();
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
