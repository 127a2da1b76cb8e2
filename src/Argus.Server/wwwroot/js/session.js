// Who is signed in, shared by the views: capabilities (snake_case, as the session document names them) decide what each view offers (the server decides what is allowed).
export const current = { session: null };

export const can = (...capabilities) => capabilities.some((c) => current.session?.capabilities.includes(c));

export const username = () => current.session?.username ?? '';
