// The Argus API as the service pages use it: the console session (cookie + anti-forgery token) and problem documents.

let csrf = null;

/** A refusal from the server: the HTTP status, the stable Argus code and the server's message. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code);
    this.status = status;
    this.code = code;
  }
}

/** Sends a request; a FormData body goes as multipart, anything else as JSON. Unsafe requests carry X-Argus-CSRF. */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (csrf && method !== 'GET') {
    headers['X-Argus-CSRF'] = csrf;
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 204) {
    return null;
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? `http.${response.status}`, data?.detail ?? response.statusText);
  }
  return data;
}

/** The current session (after a reload the cookie is still there; the token comes back from GET), or null. */
export async function currentSession() {
  try {
    const s = await request('GET', '/api/v1/session');
    csrf = s.csrf_token;
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      return null;
    }
    throw e;
  }
}

export async function login(username, password) {
  const s = await request('POST', '/api/v1/session', { username, password });
  csrf = s.csrf_token;
  return s;
}

export async function logout() {
  try {
    await request('DELETE', '/api/v1/session');
  } finally {
    csrf = null;
  }
}

export const enc = encodeURIComponent;
