// The officer client's service worker: it keeps the client's own files so that it opens without a network (and can be
// installed), and nothing else. Alerts, photos and every /api/ answer go to the network only: nothing about a person
// is kept on the device.
const CACHE = 'argus-officer-1';
const SHELL = ['/officer/', '/officer/index.html', '/officer/officer.js', '/officer/officer.css', '/officer/manifest.webmanifest', '/officer/icon.svg', '/js/api.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) return;
  // Network first, so a new version is used as soon as it is reachable; the cached copy only when offline.
  event.respondWith(fetch(event.request)
    .then((response) => {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      return response;
    })
    .catch(() => caches.match(event.request)));
});
