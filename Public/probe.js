// Reads what a file is: audio (with duration and tags) or an image.
//
// The server's POST /api/probe is asked first because it reads tags, track numbers and embedded covers with
// ffprobe. A server without that endpoint (404, 405 or 501) is remembered, and from then on the browser reads
// what it can: the duration through an <audio> element and the image size through an <img>.

const AUDIO_EXTENSIONS = new Set(['mp3', 'm4a', 'aac', 'alac', 'flac', 'wav', 'wave', 'ogg', 'oga', 'opus', 'aif', 'aiff', 'aifc', 'wma', 'mka', 'caf']);
const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'tif', 'tiff']);

/** Probe requests in flight at once. Each runs ffprobe on the server, so a large drop of files is read a few at a time. */
const MAX_ACTIVE_PROBES = 2;

/** An error the server sent about a file, with its HTTP status. */
export class ProbeError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ProbeError';
    this.status = status;
  }
}

/** Guesses whether a file is audio or an image from its MIME type, else its extension, or returns 'unknown'. */
export function guessKind(file) {
  if (file.type.startsWith('audio/')) return 'audio';
  if (file.type.startsWith('image/')) return 'image';
  const extension = file.name.includes('.') ? file.name.split('.').pop().toLowerCase() : '';
  if (AUDIO_EXTENSIONS.has(extension)) return 'audio';
  if (IMAGE_EXTENSIONS.has(extension)) return 'image';
  return 'unknown';
}

let serverProbe = 'unknown';
let active = 0;
const waiting = [];

/** Returns whether the server's probe endpoint exists, which is known only after it has responded once. */
export function serverProbeAvailable() {
  return serverProbe === 'available';
}

/**
 * Probes a file and resolves to {kind, duration?, title?, artist?, album?, trackNumber?, cover?, width?, height?,
 * source}, where source is 'server' or 'browser'. Rejects with ProbeError when the server rejects the file.
 */
export function probeFile(file) {
  return new Promise((resolve, reject) => {
    waiting.push({ file, resolve, reject });
    startWaiting();
  });
}

function startWaiting() {
  while (active < MAX_ACTIVE_PROBES && waiting.length > 0) {
    const request = waiting.shift();
    active += 1;
    probe(request.file)
      .then(request.resolve, request.reject)
      .finally(() => {
        active -= 1;
        startWaiting();
      });
  }
}

async function probe(file) {
  if (serverProbe !== 'missing') {
    const result = await probeOnServer(file);
    if (result) return result;
  }
  return probeInBrowser(file);
}

/** Returns the server's probe result, or null when the server has no probe endpoint or cannot be reached. */
async function probeOnServer(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  let response;
  try {
    response = await fetch('/api/probe', { method: 'POST', body: form });
  } catch {
    return null;
  }

  if (response.ok) {
    serverProbe = 'available';
    const info = await response.json();
    return { ...info, source: 'server' };
  }
  if ([404, 405, 501].includes(response.status)) {
    serverProbe = 'missing';
    return null;
  }

  let message = `The server could not read ${file.name} (HTTP ${response.status}). Try adding the file again.`;
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') message = body.error;
  } catch {
    // The body was not JSON, so the generic message stays.
  }
  throw new ProbeError(response.status, message);
}

function probeInBrowser(file) {
  const kind = guessKind(file);
  if (kind === 'audio') return readAudioDuration(file);
  if (kind === 'image') return readImageSize(file);
  return Promise.reject(new ProbeError(415, `${file.name} is neither an audio file nor an image. Add MP3, M4A, FLAC, WAV, Ogg, Opus or AIFF audio, or a JPEG, PNG or WebP cover.`));
}

function readAudioDuration(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const audio = new Audio();
    const finish = (duration) => {
      URL.revokeObjectURL(url);
      audio.removeAttribute('src');
      resolve({ kind: 'audio', duration, source: 'browser' });
    };
    audio.preload = 'metadata';
    audio.addEventListener('loadedmetadata', () => finish(Number.isFinite(audio.duration) ? audio.duration : undefined), { once: true });
    // The browser may not decode every format the server reads (AIFF, for example), so the duration stays unknown.
    audio.addEventListener('error', () => finish(undefined), { once: true });
    audio.src = url;
  });
}

function readImageSize(file) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.addEventListener('load', () => {
      URL.revokeObjectURL(url);
      resolve({ kind: 'image', width: image.naturalWidth, height: image.naturalHeight, source: 'browser' });
    }, { once: true });
    image.addEventListener('error', () => {
      URL.revokeObjectURL(url);
      resolve({ kind: 'image', source: 'browser' });
    }, { once: true });
    image.src = url;
  });
}
