// The console's one door to the server: same-origin fetch with the session cookie, the anti-forgery token on
// every changing request, and RFC 9457 problem documents turned into errors that carry the Argus code.
let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? null;
  }
}

export async function api(path, { method = 'GET', json, form } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  if (method !== 'GET' && csrf) headers['X-Argus-CSRF'] = csrf;
  const response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, typeof data === 'object' ? data : { detail: data });
    // A session that ended (server restart, expiry, logout elsewhere): every view stops and the console asks to log in.
    if (response.status === 401 && !(path === '/api/v1/session' && method !== 'GET')) onExpired?.(error);
    throw error;
  }
  return data;
}

let onExpired = null;

/** Who to tell when the server answers 401 to a signed-in request (the app shows the login form). */
export function whenExpired(handler) {
  onExpired = handler;
}

/** "message (code)" for an error shown to a person. */
export function describe(error) {
  return error instanceof ApiError && error.code ? `${error.message} (${error.code})` : String(error.message || error);
}
