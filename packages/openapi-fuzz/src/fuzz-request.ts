/** A path parameter taken from the values the API has answered so far (ids it handed out), picked when sent. */
export interface PooledValue {
  /** Which of the fitting values to pick (modulo how many there are). */
  readonly pooled: number;
  /** What to send when no value the API answered fits the parameter. */
  readonly fallback: string;
}

export type QueryValue = string | readonly string[];

export type FuzzBody =
  | { readonly kind: 'json'; readonly value: unknown }
  /** Text sent as is: malformed JSON, a number JSON.stringify cannot write, another content type. */
  | { readonly kind: 'raw'; readonly text: string; readonly contentType: string | undefined };

/** How a secret header (an app credential) goes out: the real value, a wrong one, or not at all. */
export type SecretUse = 'real' | 'wrong' | 'absent';

/** One generated request, before the caller's credentials and pooled values are filled in. */
export interface FuzzRequest {
  readonly method: string;
  /** The path as the document writes it, `{name}` for each path parameter. */
  readonly pathTemplate: string;
  readonly pathParams: Readonly<Record<string, string | PooledValue>>;
  readonly query: Readonly<Record<string, QueryValue>>;
  /** Plain headers the request sends (declared header parameters, or a mutation's). */
  readonly headers: Readonly<Record<string, string>>;
  /** Secret headers by name (lower case): filled from the fuzz target's secrets when sent. */
  readonly secretHeaders: Readonly<Record<string, SecretUse>>;
  readonly body: FuzzBody | undefined;
  /** Who sends it: one of the identities' names (e.g. `USER`, `ADMIN`, `anonymous`). */
  readonly identity: string;
}

/** A generated request and, for a mutated one, what was done to it. */
export interface FuzzCase {
  readonly request: FuzzRequest;
  /** `undefined` for a request built to be valid; else e.g. `body.email: a control character`. */
  readonly mutation: string | undefined;
}

/** The request as it went on the wire. */
export interface SentRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/users/abc?limit=1`. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Path parameters as sent, after pooled values were picked. */
  readonly pathParams: Readonly<Record<string, string>>;
}

export function isPooled(value: string | PooledValue): value is PooledValue {
  return typeof value !== 'string';
}

/** A request body as text and its content type. */
export function encodeBody(body: FuzzBody | undefined): { text: string | undefined; contentType: string | undefined } {
  if (body === undefined) return { text: undefined, contentType: undefined };
  if (body.kind === 'raw') return { text: body.text, contentType: body.contentType };
  return { text: JSON.stringify(body.value), contentType: 'application/json' };
}
