// Calls to the hub's HTTP API from its own pages (same origin; the browser presents the user's
// client certificate, so there is no token or password here). Shapes: docs/openapi/*.yaml.

/** The hub's error body: {"error": {"code", "message", "correlation_id"}}. */
export interface ApiError {
  code: string;
  message: string;
  correlation_id?: string;
  /** What the code alone does not say (the workbench's draft_failing: diagnostics, failed cases). */
  details?: Record<string, unknown>;
}

export interface Answer<T> {
  status: number;
  ok: boolean;
  /** The parsed JSON body: T on success; on an error, usually {error: ApiError}. */
  body: T;
  error?: ApiError;
  /** performance.now() when the whole answer had arrived and was parsed. */
  answeredAt: number;
  /** Idempotent-Replayed: true — the hub gave the first answer to this key again. */
  replayed: boolean;
  etag?: string;
}

export interface CallOptions {
  body?: unknown;
  idempotencyKey?: string;
  /** Cache-Control: no-cache: ask the partners afresh (prefill). */
  noCache?: boolean;
  ifMatch?: string;
}

/** The request never got an answer (connection refused or cut): the agent may retry. */
export class NetworkError extends Error {}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  if (options.noCache) headers['Cache-Control'] = 'no-cache';
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  let res: Response;
  let text: string;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      // No `cache` mode: 'no-store' or 'reload' would add Cache-Control: no-cache, which the hub
      // reads as "ask the partners afresh". Its answers say no-store; the browser keeps none.
    });
    text = await res.text();
  } catch (e) {
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const error = (body as { error?: ApiError } | null)?.error;
  return {
    status: res.status,
    ok: res.ok,
    body: body as T,
    error: error && typeof error.code === 'string' ? error : undefined,
    answeredAt: performance.now(),
    replayed: res.headers.get('Idempotent-Replayed') === 'true',
    etag: res.headers.get('ETag') ?? undefined,
  };
}

/**
 * One Idempotency-Key per distinct request: the same body again (a second click, a retry after a
 * lost answer) keeps its key, so the hub answers the first request again and never records a
 * second; another body gets a new key (the hub refuses a key reused for another request, 422).
 */
export class IdempotencyKeys {
  private last: { body: string; key: string } | null = null;
  for(body: unknown): string {
    const text = JSON.stringify(body);
    if (!this.last || this.last.body !== text) this.last = { body: text, key: newIdempotencyKey() };
    return this.last.key;
  }
}

/** A fresh Idempotency-Key (a UUID: 36 visible ASCII characters, within the API's 1..128). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Marks, once the page has painted what an answer changed, how long the page took after the
 * hub's answer: a PerformanceMeasure named `name`, from `answeredAt` to the next frame. The
 * browser tests read these (performance.getEntriesByType('measure')) and hold them under 300 ms.
 */
export function measureRender(name: string, answeredAt: number): void {
  requestAnimationFrame(() => {
    setTimeout(() => {
      performance.measure(name, { start: answeredAt, end: performance.now() });
    }, 0);
  });
}
