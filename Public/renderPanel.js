// The render panel: starts a job, follows it to the end and shows its progress and result.

import * as view from './jobView.js';
import { ApiError, cancelJob, fetchStatus, followJob, plainFieldNames, uploadAlbum } from './job.js';

/** Phases in which the album must not change, because it is being uploaded or rendered. */
const BUSY_PHASES = new Set(['uploading', 'queued', 'running', 'loading']);

/** Lines of the render log kept on the page. The server stores its own copy. */
const MAX_LOG_LINES = 600;

/** How often the page reads the status again when the event stream stopped before the job ended. */
const STATUS_RETRY_MS = 2000;

const $ = (id) => document.getElementById(id);

export class RenderPanel {
  #state = freshState();
  #closeStream = null;
  #upload = null;
  #timer = null;
  #logLines = [];
  #logPending = false;

  /**
   * Connects the panel to its host page, which provides these functions:
   * prepare() returns {form, sources, preview}, where preview has the shape of the job's status, or {problem}
   * when the album is not ready. showFieldError(field, message, sources) and clearFieldErrors() mark the album,
   * setLocked(locked) stops edits, summary() describes the album for the edit phase, hasTracks() returns whether
   * the editor has tracks, and announce(text, urgent) speaks a status change.
   */
  constructor(host) {
    this.host = host;
    $('render-button').addEventListener('click', () => this.start());
    $('cancel-button').addEventListener('click', () => this.cancel());
    $('back-button').addEventListener('click', () => this.backToAlbum());
    $('copy-tracklist').addEventListener('click', () => view.copyTracklist(host.announce));
    window.addEventListener('beforeunload', (event) => {
      // Leaving the page stops an upload, and no job exists yet to come back to.
      if (this.#state.phase === 'uploading') event.preventDefault();
    });
    this.#render();
  }

  get phase() {
    return this.#state.phase;
  }

  get busy() {
    return BUSY_PHASES.has(this.#state.phase);
  }

  /** Refreshes the summary line and the Render button after the album or settings changed. */
  refresh() {
    this.#render();
  }

  /** Hides the message about the last attempt, because the album changed since. */
  clearError() {
    if (this.#state.phase === 'edit') this.#hideError();
  }

  /** Uploads the album and follows the new job. */
  async start() {
    if (this.busy) return;
    this.host.clearFieldErrors();
    this.#hideError();
    const prepared = this.host.prepare();
    if (prepared.problem) {
      this.#showError(prepared.problem);
      this.host.announce(prepared.problem, true);
      return;
    }

    this.#state = { ...freshState(), phase: 'uploading', job: prepared.preview, sources: prepared.sources };
    this.#logLines = [];
    this.#flushLog();
    this.#render();
    this.host.announce('Uploading the album.');

    this.#upload = uploadAlbum(prepared.form, (loaded, total) => {
      this.#state.uploadLoaded = loaded;
      this.#state.uploadTotal = total;
      view.renderUpload(this.#state, true);
    });

    let accepted;
    try {
      accepted = await this.#upload.promise;
    } catch (error) {
      this.#upload = null;
      this.#uploadFailed(error, prepared.sources);
      return;
    }
    this.#upload = null;

    this.#state.jobId = accepted.jobId;
    this.#state.uploadLoaded = this.#state.uploadTotal;
    this.#state.phase = 'queued';
    setJobInUrl(accepted.jobId);
    this.#render();
    this.host.announce('Upload complete. The album is queued for rendering.');
    this.#follow();
    this.#loadJobDetails();
  }

  /** Shows the job named in the page's address, reconnecting to it while it is queued or rendering. */
  async resume(jobId) {
    this.#state = { ...freshState(), phase: 'loading', jobId };
    this.#render();
    let status;
    try {
      status = await fetchStatus(jobId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#state.phase = 'missing';
        this.#state.message = 'No render was found for this link. The job may have been removed, or the link is incomplete.';
      } else {
        this.#state.phase = 'failed';
        this.#state.message = `The render's status could not be read (${error.message}). Check that the server is running, then reload the page.`;
      }
      this.#render();
      this.host.announce(this.#state.message, true);
      return;
    }
    this.#applyStatus(status, { follow: true });
  }

  async cancel() {
    if (this.#state.phase === 'uploading' && this.#upload) {
      this.#upload.abort();
      return;
    }
    if (!this.#state.jobId || !this.busy) return;

    $('cancel-button').disabled = true;
    this.#state.cancelRequested = true;
    this.#state.note = 'Cancelling…';
    this.#render();
    try {
      const accepted = await cancelJob(this.#state.jobId);
      if (!accepted) {
        this.#state.cancelRequested = false;
        this.#state.note = 'This server cannot cancel renders, so the render goes on.';
        this.host.announce(this.#state.note, true);
      }
    } catch (error) {
      this.#state.cancelRequested = false;
      this.#state.note = `Cancelling failed: ${error.message}`;
      this.host.announce(this.#state.note, true);
    }
    $('cancel-button').disabled = false;
    this.#render();
  }

  /** Leaves a finished, failed or unknown job and returns to editing the album. */
  backToAlbum() {
    this.#stopFollowing();
    this.#state = freshState();
    setJobInUrl(null);
    this.#render();
    this.host.announce('Back to the album.');
    $('render-button').focus();
  }

  // MARK: - Following a job

  #follow() {
    this.#stopFollowing();
    const jobId = this.#state.jobId;
    this.#closeStream = followJob(jobId, {
      log: (text) => this.#onLog(text),
      progress: (data) => this.#onProgress(data),
      done: (data) => this.#onDone(data),
      failed: (text) => this.#onFailed(text),
      interrupted: () => {
        this.#state.note = 'The connection to the server was lost. Reconnecting…';
        this.#render();
      },
      resumed: () => {
        this.#state.note = '';
        this.#render();
      },
      ended: () => this.#onStreamEnded(),
    });
  }

  /** Reads the log of a job that has ended. The stream replays its events and closes after the last one. */
  #loadLog() {
    const ignore = () => {};
    this.#closeStream = followJob(this.#state.jobId, {
      log: (text) => this.#appendLog(text),
      progress: ignore,
      done: ignore,
      failed: ignore,
      interrupted: () => this.#stopFollowing(),
      resumed: ignore,
      ended: ignore,
    });
  }

  #stopFollowing() {
    if (this.#closeStream) this.#closeStream();
    this.#closeStream = null;
    clearTimeout(this.#state.retryTimer);
  }

  /** Reads the job's status for its track titles, which the server may take from tags, and its start time. */
  async #loadJobDetails() {
    try {
      const status = await fetchStatus(this.#state.jobId);
      if (status.jobId !== this.#state.jobId) return;
      this.#state.job = status;
      if (status.startedAt && !this.#state.startedAt) this.#state.startedAt = Date.parse(status.startedAt);
      this.#render();
    } catch {
      // The preview made before the upload remains, which is enough to show the progress.
    }
  }

  #onLog(text) {
    this.#appendLog(text);
    const queued = /(?:Queued at position|Waiting in the queue: position) (\d+)/.exec(text);
    if (queued && this.#state.phase === 'queued') {
      const position = Number(queued[1]);
      if (position !== this.#state.queuePosition) {
        this.#state.queuePosition = position;
        this.host.announce(`Waiting in the queue: position ${position}.`);
      }
    }
    if (/^Rendering started/.test(text)) this.#markRunning();
    if (/queued again/.test(text) && this.#state.phase === 'running') {
      // The server restarted during the render and put the job back in the queue.
      this.#state.phase = 'queued';
      this.#state.percent = 0;
      this.#state.step = null;
      this.host.announce(text);
    }
    this.#render();
  }

  #markRunning() {
    if (this.#state.phase === 'queued') {
      this.#state.phase = 'running';
      this.#state.queuePosition = null;
      if (!this.#state.startedAt) this.#state.startedAt = Date.now();
      this.host.announce('Rendering started.');
    }
  }

  #onProgress(data) {
    this.#markRunning();
    if (Number.isFinite(data.percent)) this.#state.percent = Math.max(0, Math.min(100, data.percent));
    if (data.step === 'segment' && Number.isInteger(data.index)) {
      this.#state.step = 'segment';
      this.#state.trackIndex = data.index;
      if (Number.isInteger(data.total)) this.#state.trackTotal = data.total;
      this.host.announce(`Rendering ${view.trackLabel(this.#state)}.`);
    } else if (data.step === 'concat') {
      this.#state.step = 'concat';
      this.host.announce('Joining the tracks into one video.');
    }
    const quarter = Math.floor(this.#state.percent / 25);
    if (quarter > this.#state.announcedQuarter && quarter > 0 && quarter < 4) {
      this.#state.announcedQuarter = quarter;
      this.host.announce(`${quarter * 25} percent rendered.`);
    }
    this.#render();
  }

  #onDone(data) {
    this.#closeStream = null;
    this.#state.phase = 'done';
    this.#state.percent = 100;
    this.#state.downloadUrl = data.downloadUrl ?? `/api/render/${this.#state.jobId}/download`;
    this.#state.tracklist = data.tracklist ?? '';
    this.#state.finishedAt = Date.now();
    this.#render();
    this.host.announce('Your video is ready. Download it or copy the tracklist below.', true);
    this.#loadJobDetails();
  }

  async #onFailed(text) {
    this.#closeStream = null;
    let status = null;
    try {
      status = await fetchStatus(this.#state.jobId);
    } catch {
      // Without the status, the event's message decides.
    }
    if (status?.status === 'cancelled' || (!status && this.#state.cancelRequested)) {
      this.#state.phase = 'cancelled';
      this.#state.message = null;
    } else {
      this.#state.phase = 'failed';
      this.#state.message = text || status?.error || 'The render failed.';
    }
    this.#state.note = '';
    this.#render();
    this.host.announce(this.#state.phase === 'cancelled' ? 'Render cancelled.' : `The render failed: ${this.#state.message}`, true);
  }

  /** Reads the status after the stream ended without a done or error event, and shows what it reports. */
  async #onStreamEnded() {
    this.#closeStream = null;
    try {
      const status = await fetchStatus(this.#state.jobId);
      this.#applyStatus(status, { follow: false });
      if (status.status === 'queued' || status.status === 'running') {
        this.#state.retryTimer = setTimeout(() => this.#follow(), STATUS_RETRY_MS);
      }
    } catch {
      this.#state.note = 'The connection to the server was lost. Reconnecting…';
      this.#render();
      this.#state.retryTimer = setTimeout(() => this.#onStreamEnded(), STATUS_RETRY_MS);
    }
  }

  #applyStatus(status, { follow }) {
    const state = this.#state;
    state.job = status;
    state.percent = Number.isFinite(status.percent) ? status.percent : 0;
    if (status.startedAt) state.startedAt = Date.parse(status.startedAt);
    if (status.finishedAt) state.finishedAt = Date.parse(status.finishedAt);

    switch (status.status) {
      case 'queued':
      case 'running':
        state.phase = status.status;
        state.queuePosition = status.queuePosition ?? null;
        if (follow) this.#follow();
        this.host.announce(status.status === 'queued' ? 'Reconnected. The album is waiting in the queue.' : 'Reconnected to the render.');
        break;
      case 'done':
        state.tracklist = status.tracklist ?? '';
        state.percent = 100;
        if (status.expired || !status.downloadUrl) {
          state.phase = 'expired';
          state.message = 'The server removed it after its retention period. Render the album again to get a new one.';
        } else {
          state.phase = 'done';
          state.downloadUrl = status.downloadUrl;
        }
        break;
      case 'cancelled':
        state.phase = 'cancelled';
        state.message = null;
        break;
      default:
        state.phase = 'failed';
        state.message = status.error || 'The render failed.';
    }
    this.#render();
    if (!BUSY_PHASES.has(state.phase)) {
      if (follow) this.#loadLog();
      this.host.announce([view.statusText(state), state.message].filter(Boolean).join(' '), true);
    }
  }

  #uploadFailed(error, sources) {
    this.#state.phase = 'edit';
    this.#render();
    if (error.name === 'AbortError') {
      this.host.announce('Upload cancelled.');
      return;
    }
    let message = plainFieldNames(error.message);
    if (error instanceof ApiError && error.status === 429 && error.retryAfter) {
      message = `${message} (The server suggests waiting ${error.retryAfter} s.)`;
    }
    this.#showError(message);
    if (error instanceof ApiError && error.field) this.host.showFieldError(error.field, plainFieldNames(error.message), sources);
    this.host.announce(`The album was not accepted: ${message}`, true);
  }

  // MARK: - Display

  #render() {
    const state = this.#state;
    const phase = state.phase;
    const inJob = phase !== 'edit';
    document.body.dataset.phase = phase;
    document.body.classList.toggle('in-job', inJob);
    this.host.setLocked(this.busy);

    $('album-fields').hidden = inJob;
    $('video-panel').hidden = inJob;
    $('job-album').hidden = !inJob;
    // Without the job's details, as for an unknown job id, the album panel would be empty.
    document.querySelector('.album-panel').hidden = inJob && !(state.job?.tracks?.length > 0);
    $('job-status').hidden = !inJob;

    $('render-button').hidden = inJob;
    $('cancel-button').hidden = !this.busy || phase === 'loading';
    $('back-button').hidden = !inJob || this.busy;
    $('back-button').textContent = this.host.hasTracks() ? 'Back to the album' : 'Start a new album';

    if (inJob) {
      $('render-summary').textContent = state.job?.width ? `${state.job.width} × ${state.job.height}, ${state.job.fps} fps` : '';
      this.#hideError();
    } else {
      const summary = this.host.summary();
      $('render-summary').textContent = summary.text;
      $('render-button').disabled = !summary.ready;
    }

    view.renderJobTracks(state);
    view.renderStatus(state);
    view.renderUpload(state, this.busy);
    view.renderProgress(state);
    view.renderClock(state);
    view.renderResult(state);
    $('log-details').hidden = this.#logLines.length === 0;

    if (phase === 'running' && !this.#timer) {
      this.#timer = setInterval(() => view.renderClock(this.#state), 1000);
    } else if (phase !== 'running' && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #appendLog(text) {
    this.#logLines.push(text);
    if (this.#logLines.length > MAX_LOG_LINES) this.#logLines.splice(0, this.#logLines.length - MAX_LOG_LINES);
    if (this.#logPending) return;
    this.#logPending = true;
    requestAnimationFrame(() => this.#flushLog());
  }

  #flushLog() {
    this.#logPending = false;
    const log = $('log');
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = this.#logLines.join('\n');
    if (atBottom) log.scrollTop = log.scrollHeight;
    $('log-details').hidden = this.#logLines.length === 0;
  }

  #showError(message) {
    $('render-error').textContent = message;
    $('render-error').hidden = false;
  }

  #hideError() {
    $('render-error').hidden = true;
    $('render-error').textContent = '';
  }


}

function freshState() {
  return {
    phase: 'edit',
    jobId: null,
    job: null,
    sources: null,
    uploadLoaded: 0,
    uploadTotal: 0,
    percent: 0,
    step: null,
    trackIndex: null,
    trackTotal: null,
    queuePosition: null,
    startedAt: null,
    finishedAt: null,
    downloadUrl: null,
    tracklist: null,
    message: null,
    note: '',
    cancelRequested: false,
    retryTimer: null,
    announcedQuarter: 0,
  };
}

/** Puts the job id in the address as ?job=…, or removes it, without adding a history entry. */
function setJobInUrl(jobId) {
  const url = new URL(window.location.href);
  if (jobId) url.searchParams.set('job', jobId);
  else url.searchParams.delete('job');
  window.history.replaceState(null, '', url);
}
