// Display of a job's state in the render panel: status, upload and render progress, result and track list.
// Each function reads the render panel's state object and updates its part of the page.

import { formatBytes, formatDuration, formatDurationWords } from './format.js';

const $ = (id) => document.getElementById(id);

/** Phases that end with a message worth showing under the status line. */
const ENDED_WITH_MESSAGE = new Set(['failed', 'missing', 'expired', 'cancelled']);

/** Returns the status line for a phase, such as "Waiting in the queue: position 2." */
export function statusText(state) {
  switch (state.phase) {
    case 'loading': return 'Looking up the render…';
    case 'uploading': return 'Uploading the album…';
    case 'queued':
      return state.queuePosition ? `Waiting in the queue: position ${state.queuePosition}.` : 'Waiting in the queue.';
    case 'running': return 'Rendering the video…';
    case 'done': return 'Your video is ready.';
    case 'failed': return 'The render failed.';
    case 'cancelled': return 'Render cancelled.';
    case 'expired': return 'The video has expired.';
    case 'missing': return 'Render not found.';
    default: return '';
  }
}

/** Returns a label for the track being rendered, such as "track 2 of 5: Title". */
export function trackLabel(state) {
  const index = state.trackIndex;
  const total = state.trackTotal ?? state.job?.tracks?.length;
  const title = state.job?.tracks?.[index]?.title;
  const position = total ? `track ${index + 1} of ${total}` : `track ${index + 1}`;
  return title ? `${position}: ${title}` : position;
}

function currentStep(state) {
  if (state.phase === 'queued') return state.queuePosition ? `In the queue, position ${state.queuePosition}` : 'In the queue';
  if (state.phase === 'done') return 'Finished';
  if (state.step === 'concat') return 'Joining the tracks';
  if (state.step === 'segment') {
    const label = trackLabel(state);
    return label.charAt(0).toUpperCase() + label.slice(1);
  }
  return 'Starting';
}

export function renderStatus(state) {
  const phase = state.phase;
  const statusLine = $('status-line');
  statusLine.textContent = statusText(state);
  statusLine.className = `status-line ${phase}`;

  const message = $('job-message');
  message.textContent = ENDED_WITH_MESSAGE.has(phase) && state.message ? state.message : state.note;
  message.hidden = phase === 'edit' || !message.textContent;
  message.className = phase === 'failed' || phase === 'missing' ? 'field-error' : 'notice-text';
  document.title = pageTitle(phase, state.percent);
}

export function renderUpload(state, busy) {
  const { uploadLoaded, uploadTotal } = state;
  const percent = uploadTotal > 0 ? (uploadLoaded / uploadTotal) * 100 : 0;
  $('upload-block').hidden = !(state.phase === 'uploading' || (uploadTotal > 0 && busy));
  $('upload-progress').value = percent;
  $('upload-progress').setAttribute('aria-valuetext', `${Math.round(percent)} percent uploaded`);
  $('upload-text').textContent = uploadTotal > 0 ? `${formatBytes(uploadLoaded)} of ${formatBytes(uploadTotal)}` : '';
  $('upload-label').textContent = state.phase === 'uploading' ? 'Uploading' : 'Uploaded';
}

export function renderProgress(state) {
  const phase = state.phase;
  $('render-block').hidden = !(phase === 'queued' || phase === 'running' || phase === 'done');

  const percent = Math.floor(state.percent * 10) / 10;
  $('render-progress').value = state.percent;
  $('render-progress').setAttribute('aria-valuetext', `${percent} percent`);
  $('render-percent').textContent = `${percent.toFixed(percent % 1 === 0 ? 0 : 1)} %`;

  let label = 'Rendering';
  if (phase === 'queued') label = 'Queued';
  if (phase === 'done') label = 'Rendered';
  $('render-label').textContent = label;

  $('job-facts').hidden = phase === 'queued';
  $('current-step').textContent = currentStep(state);
}

/** Shows the elapsed time and an estimate of the time left, at the average rate of progress so far. */
export function renderClock(state) {
  const end = state.phase === 'running' ? Date.now() : state.finishedAt;
  const elapsed = state.startedAt && end ? Math.max(0, (end - state.startedAt) / 1000) : null;
  $('elapsed').textContent = elapsed === null ? '–' : formatDuration(elapsed);

  let eta = '–';
  if (state.phase === 'running' && elapsed !== null) {
    eta = 'Estimating…';
    if (state.percent >= 1 && elapsed >= 2) {
      eta = `about ${formatDurationWords((elapsed * (100 - state.percent)) / state.percent)}`;
    }
  } else if (state.phase === 'done') {
    eta = 'Done';
  }
  $('eta').textContent = eta;
}

/** Shows the video, download link and tracklist of a finished job. An expired job keeps only its tracklist. */
export function renderResult(state) {
  const phase = state.phase;
  $('job-result').hidden = phase !== 'done' && !(phase === 'expired' && state.tracklist);
  $('download-row').hidden = phase !== 'done';
  $('result-video').hidden = phase !== 'done';
  $('tracklist-link').hidden = phase !== 'done';

  if (phase === 'done' && state.downloadUrl) {
    if ($('download-link').getAttribute('href') !== state.downloadUrl) {
      $('download-link').href = state.downloadUrl;
      $('result-video').src = state.downloadUrl;
    }
    if (state.job?.width && state.job?.height) {
      $('result-video').style.aspectRatio = `${state.job.width} / ${state.job.height}`;
    }
    $('tracklist-link').href = `/api/render/${encodeURIComponent(state.jobId)}/tracklist.txt`;
  } else {
    $('result-video').removeAttribute('src');
  }

  const tracklist = state.tracklist ?? '';
  $('tracklist').value = tracklist;
  $('tracklist').rows = Math.min(12, Math.max(3, tracklist.split('\n').length));
}

/** Lists the job's tracks in place of the album editor, marking the one being rendered. */
export function renderJobTracks(state) {
  const job = state.job;
  const list = $('job-tracks');
  $('job-album-summary').textContent = job ? albumSummary(job) : '';
  const tracks = job?.tracks ?? [];
  const current = state.phase === 'running' && state.step === 'segment' ? state.trackIndex : null;

  while (list.children.length > tracks.length) list.lastElementChild.remove();
  tracks.forEach((track, index) => {
    let item = list.children[index];
    if (!item) {
      item = document.createElement('li');
      for (const name of ['job-track-number', 'job-track-title', 'job-track-time']) {
        const part = document.createElement('span');
        part.className = name;
        item.append(part);
      }
      list.append(item);
    }
    item.children[0].textContent = String(index + 1);
    item.children[1].textContent = track.artist ? `${track.artist} – ${track.title}` : track.title;
    const start = Number.isFinite(track.start) ? `starts ${formatDuration(track.start)} · ` : '';
    item.children[2].textContent = `${start}${formatDuration(track.duration)}`;
    if (index === current) item.setAttribute('aria-current', 'step');
    else item.removeAttribute('aria-current');
  });
}

/** Copies the tracklist to the clipboard, or selects it for a manual copy where the browser blocks that. */
export async function copyTracklist(announce) {
  const text = $('tracklist').value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The Clipboard API needs a secure context and the page's focus. Without them, the text is selected so a
    // person can copy it by hand.
    $('tracklist').select();
    const copied = document.execCommand?.('copy');
    if (!copied) {
      announce('Copying is blocked by the browser. The tracklist is selected: press Ctrl+C or Cmd+C.', true);
      return;
    }
  }
  $('copy-tracklist').textContent = 'Copied';
  setTimeout(() => { $('copy-tracklist').textContent = 'Copy tracklist'; }, 2000);
  announce('Tracklist copied.');
}

/** Returns the window title, which shows a job's state in a tab in the background. */
function pageTitle(phase, percent) {
  const states = {
    uploading: 'Uploading',
    queued: 'Queued',
    running: `${Math.floor(percent)} % rendered`,
    done: 'Video ready',
    failed: 'Render failed',
    cancelled: 'Render cancelled',
  };
  return states[phase] ? `${states[phase]} · Sleeve` : 'Sleeve · Album to video';
}

function albumSummary(job) {
  const count = job.tracks?.length ?? 0;
  const parts = [];
  if (job.album) parts.push(job.album);
  parts.push(`${count} ${count === 1 ? 'track' : 'tracks'}`);
  if (Number.isFinite(job.duration) && job.duration > 0) parts.push(formatDuration(job.duration));
  return parts.join(' · ');
}
