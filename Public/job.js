// Talks to the render API: uploads an album, follows a job's events, reads its status and cancels it.

/** An error response of the API: the HTTP status, the server's message and the form field it names, if any. */
export class ApiError extends Error {
  constructor(status, message, field = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

/** Turns an error response into an ApiError, keeping the server's message when the body is the API's JSON. */
function apiErrorFrom(status, text, retryAfter) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy or a crash may respond with HTML or nothing, so a generic message follows.
  }
  if (body && typeof body.error === 'string') {
    return new ApiError(status, body.error, typeof body.field === 'string' ? body.field : null, retryAfter);
  }
  return new ApiError(status, `The server responded with HTTP ${status}. Try again in a minute.`, null, retryAfter);
}

/**
 * Uploads the album form to POST /api/render. onProgress receives (bytesSent, bytesTotal) as the upload goes on.
 * Returns {promise, abort}. The promise resolves to the 202 body ({jobId, statusUrl, logUrl}) and rejects with an
 * ApiError for an error response, or a plain Error when the connection failed or abort() was called.
 */
export function uploadAlbum(form, onProgress) {
  const request = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    request.open('POST', '/api/render');
    request.upload.addEventListener('progress', (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : 0);
    });
    request.addEventListener('load', () => {
      if (request.status === 202 || request.status === 200) {
        try {
          resolve(JSON.parse(request.responseText));
        } catch {
          reject(new ApiError(request.status, 'The server accepted the album, but its response could not be read. Reload the page to look for the job.'));
        }
        return;
      }
      reject(apiErrorFrom(request.status, request.responseText, request.getResponseHeader('Retry-After')));
    });
    request.addEventListener('error', () => {
      // A server that rejects a request early, for example one larger than its upload limit, may close the
      // connection before the browser has sent the body, so the status never arrives.
      reject(new Error('The upload failed because the connection to the server closed. The album may be larger than the server accepts, or the server stopped. Check both, then press Render again.'));
    });
    request.addEventListener('abort', () => {
      const error = new Error('The upload was cancelled.');
      error.name = 'AbortError';
      reject(error);
    });
    request.send(form);
  });
  return { promise, abort: () => request.abort() };
}

/** Fetches GET /api/render/{jobId}, or rejects with an ApiError for an error response such as 404. */
export async function fetchStatus(jobId) {
  const response = await fetch(`/api/render/${encodeURIComponent(jobId)}`, { cache: 'no-store' });
  const text = await response.text();
  if (!response.ok) throw apiErrorFrom(response.status, text, response.headers.get('Retry-After'));
  return JSON.parse(text);
}

/**
 * Cancels a job with DELETE /api/render/{jobId}. Resolves to true when the server accepted, and false when it
 * does not support cancelling (404 or 405). Other error responses reject with an ApiError.
 */
export async function cancelJob(jobId) {
  const response = await fetch(`/api/render/${encodeURIComponent(jobId)}`, { method: 'DELETE' });
  if (response.ok) return true;
  if (response.status === 404 || response.status === 405) return false;
  throw apiErrorFrom(response.status, await response.text(), null);
}

/**
 * Follows a job's Server-Sent Events. The handlers are log(text), progress(object), done(object), failed(text),
 * interrupted() when the connection dropped and the browser retries, resumed() when it is back, and ended() when
 * the stream stopped without a final event, so the caller reads the status instead. Returns a function that
 * closes the stream.
 */
export function followJob(jobId, handlers) {
  const source = new EventSource(`/api/render/${encodeURIComponent(jobId)}/log`);
  let wasInterrupted = false;

  source.addEventListener('open', () => {
    if (wasInterrupted) handlers.resumed();
    wasInterrupted = false;
  });
  source.addEventListener('log', (event) => handlers.log(event.data));
  source.addEventListener('progress', (event) => {
    const data = parseJson(event.data);
    if (data) handlers.progress(data);
  });
  source.addEventListener('done', (event) => {
    source.close();
    handlers.done(parseJson(event.data) ?? {});
  });
  source.addEventListener('error', (event) => {
    // The server's own "error" event is a MessageEvent with data, and a connection problem is a plain Event.
    if (event instanceof MessageEvent) {
      source.close();
      handlers.failed(event.data);
      return;
    }
    if (source.readyState === EventSource.CLOSED) {
      handlers.ended();
    } else {
      wasInterrupted = true;
      handlers.interrupted();
    }
  });
  return () => source.close();
}

/**
 * Replaces the form field names in a server message with words: "audio_1 (notes.mp3)" becomes "notes.mp3", and a
 * bare "audio_1" or "image_1" becomes "the audio file of track 2" or "the cover of track 2".
 */
export function plainFieldNames(message) {
  const plain = message
    .replace(/\b(?:audio|image)_\d+ \(([^)]+)\)/g, '$1')
    .replace(/\baudio_(\d+)\b/g, (_, index) => `the audio file of track ${Number(index) + 1}`)
    .replace(/\bimage_(\d+)\b/g, (_, index) => `the cover of track ${Number(index) + 1}`);
  return plain.startsWith('the ') ? `T${plain.slice(1)}` : plain;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
