// Sleeve's page: wires the album editor, the video settings and the render panel together.

import { Album } from './album.js';
import { baseName, formatDuration } from './format.js';
import { guessKind, serverProbeAvailable } from './probe.js';
import { RenderPanel } from './renderPanel.js';
import { initSettings, readRenderOptions, readSettings, settingsProblem, showSettingsProblem } from './settings.js';
import { showCoverImage, TrackListView } from './trackList.js';

const $ = (id) => document.getElementById(id);

const album = new Album();
let albumTitleEdited = false;

const trackView = new TrackListView({
  list: $('track-list'),
  template: $('track-template'),
  album,
  announce,
  onFilesDropped: (files, trackId) => addFiles(files, trackId),
});

const panel = new RenderPanel({
  prepare: prepareRender,
  showFieldError,
  clearFieldErrors,
  setLocked,
  summary: editSummary,
  hasTracks: () => album.tracks.length > 0,
  announce,
});

// MARK: - Announcements

let announceTimer = null;

/** Speaks a status change through the live region. Urgent messages interrupt what is being read. */
function announce(text, urgent = false) {
  const region = $('announcer');
  region.setAttribute('aria-live', urgent ? 'assertive' : 'polite');
  // Clearing first makes screen readers repeat a message that equals the previous one.
  region.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { region.textContent = text; }, 50);
}

function showNotices(lines) {
  const list = $('notices');
  list.replaceChildren(...lines.map((line) => {
    const item = document.createElement('li');
    item.textContent = line;
    return item;
  }));
}

// MARK: - Adding files

/**
 * Adds dropped or chosen files. Audio files become tracks. Images go to the given target: a track id, or 'album'
 * for the album cover. Without a target, an image whose name matches a track's file name becomes that track's
 * cover, and the first other image becomes the album cover.
 */
function addFiles(files, target = null) {
  if (panel.busy) {
    announce('The album cannot change while it is uploading or rendering.', true);
    return;
  }
  const audio = files.filter((file) => guessKind(file) === 'audio');
  const images = files.filter((file) => guessKind(file) === 'image');
  const skipped = files.filter((file) => guessKind(file) === 'unknown');
  const notes = [];

  for (const file of audio) album.addAudio(file);

  const unmatched = [];
  const targetsTrack = typeof target === 'number' && album.track(target) !== undefined;
  if (target === 'album' || targetsTrack) {
    // A cover slot takes one image, so the first one counts and any others are reported as not used.
    if (images.length > 0 && target === 'album') album.setAlbumCover(images[0]);
    if (images.length > 0 && targetsTrack) album.setTrackCover(target, images[0]);
    unmatched.push(...images.slice(1));
  } else {
    for (const image of images) {
      const match = album.tracks.find((track) => !track.cover && baseName(track.fileName) === baseName(image.name));
      if (match) album.setTrackCover(match.id, image);
      else unmatched.push(image);
    }
    if (unmatched.length > 0) album.setAlbumCover(unmatched.shift());
  }
  if (unmatched.length > 0) {
    notes.push(`Not used: ${unmatched.map((file) => file.name).join(', ')}. Drop an image on a track to make it that track's cover.`);
  }
  if (skipped.length > 0) {
    notes.push(`Skipped ${skipped.map((file) => file.name).join(', ')}: not an audio file or an image.`);
  }
  showNotices(notes);

  const parts = [];
  if (audio.length > 0) parts.push(`Added ${audio.length} ${audio.length === 1 ? 'track' : 'tracks'}.`);
  if (images.length > 0) {
    parts.push(targetsTrack ? 'Set the track cover.' : `Added ${images.length - unmatched.length} ${images.length - unmatched.length === 1 ? 'cover' : 'covers'}.`);
  }
  announce([...parts, ...notes].join(' ') || 'No files were added.');
}

$('add-files').addEventListener('change', (event) => {
  addFiles([...event.target.files]);
  event.target.value = '';
});

$('album-cover-input').addEventListener('change', (event) => {
  addFiles([...event.target.files].filter((file) => guessKind(file) !== 'audio'), 'album');
  event.target.value = '';
});

$('album-cover-remove').addEventListener('click', () => {
  album.removeAlbumCover();
  $('album-cover-input').focus();
  announce('Removed the album cover.');
});

$('clear-album').addEventListener('click', () => {
  if (!window.confirm(`Remove all ${album.tracks.length} tracks and the album cover?`)) return;
  album.clear();
  $('album-title').value = '';
  albumTitleEdited = false;
  showNotices([]);
  $('add-files').focus();
  announce('The album is empty.');
});

$('album-title').addEventListener('input', () => {
  albumTitleEdited = true;
  $('album-title-error').hidden = true;
  panel.refresh();
});

album.addEventListener('albumtag', (event) => {
  if (!albumTitleEdited && !$('album-title').value) $('album-title').value = event.detail.album;
});

// Files dropped anywhere on the page are added. The album cover and each track take images dropped on them.
function hasFiles(event) {
  return [...event.dataTransfer.types].includes('Files');
}

document.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = panel.busy ? 'none' : 'copy';
  document.body.classList.add('dragging-files');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging-files');
});
document.addEventListener('drop', (event) => {
  document.body.classList.remove('dragging-files');
  if (!hasFiles(event)) return;
  event.preventDefault();
  addFiles([...event.dataTransfer.files]);
});

const coverSlot = $('album-cover-slot');
coverSlot.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.stopPropagation();
  event.dataTransfer.dropEffect = panel.busy ? 'none' : 'copy';
  coverSlot.classList.add('file-target');
});
coverSlot.addEventListener('dragleave', (event) => {
  if (!coverSlot.contains(event.relatedTarget)) coverSlot.classList.remove('file-target');
});
coverSlot.addEventListener('drop', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.stopPropagation();
  coverSlot.classList.remove('file-target');
  document.body.classList.remove('dragging-files');
  addFiles([...event.dataTransfer.files].filter((file) => guessKind(file) !== 'audio'), 'album');
});

// MARK: - Album display

function countTracks(count) {
  return `${count} ${count === 1 ? 'track' : 'tracks'}`;
}

/** Describes the album's length, which is a lower bound while some durations are unknown. */
function describeLength() {
  const { seconds, complete } = album.totalDuration();
  if (complete) return formatDuration(seconds);
  return seconds > 0 ? `at least ${formatDuration(seconds)}` : 'length unknown';
}

function renderAlbum() {
  trackView.render();

  const cover = album.albumCover;
  const image = $('album-cover-image');
  image.alt = cover ? `Album cover: ${cover.file.name}` : '';
  showCoverImage(image, $('album-cover-placeholder'), cover?.url);
  $('album-cover-button').textContent = cover ? 'Replace cover…' : 'Choose cover…';
  $('album-cover-remove').hidden = !cover;
  const coverError = cover?.error ?? $('album-cover-error').dataset.serverMessage ?? null;
  $('album-cover-error').textContent = coverError ?? '';
  $('album-cover-error').hidden = !coverError;
  $('album-cover-input').setAttribute('aria-invalid', coverError ? 'true' : 'false');

  const count = album.tracks.length;
  $('album-total').textContent = count === 0 ? 'No tracks yet' : `${countTracks(count)} · ${describeLength()}`;
  $('empty-tracks').hidden = count > 0;
  $('reorder-hint').hidden = count < 2;
  $('clear-album').hidden = count === 0 && !cover;
  panel.refresh();
}

/** Album changes made by a person, after which a message about the last Render attempt is out of date. */
const PERSON_CHANGES = new Set(['add', 'remove', 'order', 'cover', 'edit', 'clear']);

album.addEventListener('change', (event) => {
  if (event.detail.reason === 'cover') delete $('album-cover-error').dataset.serverMessage;
  if (PERSON_CHANGES.has(event.detail.reason)) panel.clearError();
  renderAlbum();
});

// MARK: - Render panel host

function setLocked(locked) {
  $('album-fields').disabled = locked;
  $('video-fields').disabled = locked;
  $('clear-album').disabled = locked;
  document.body.classList.toggle('locked', locked);
}

function editSummary() {
  const count = album.tracks.length;
  if (count === 0) return { text: 'Add audio files and a cover to render a video.', ready: false };
  const { width, height, fps } = readSettings();
  const size = settingsProblem() ? 'check the video size' : `${width} × ${height}, ${fps} fps`;
  const text = `${countTracks(count)} · ${describeLength()} · ${size}`;
  if (album.isProbing()) return { text: `${text}. Reading the files…`, ready: false };
  return { text, ready: true };
}

/** Checks the album and settings and returns the upload, or {problem} after focusing the control at fault. */
function prepareRender() {
  const fail = (message, focusTarget) => {
    focusTarget?.focus();
    return { problem: message };
  };

  if (album.tracks.length === 0) {
    return fail('Add at least one audio file first.', $('add-files'));
  }
  const broken = album.tracks.find((track) => track.error);
  if (broken) {
    const index = album.indexOf(broken.id);
    return fail(`Track ${index + 1} (${broken.fileName}) cannot be used: ${broken.error}`, trackView.item(broken.id)?.querySelector('.remove'));
  }
  if (album.albumCover?.error) {
    const cover = album.albumCover;
    return fail(`The album cover ${cover.file.name} cannot be used: ${cover.error}`, $('album-cover-input'));
  }
  const coverTrack = album.tracks.find((track) => track.cover?.error);
  if (coverTrack) {
    const index = album.indexOf(coverTrack.id);
    return fail(`The cover of track ${index + 1} (${coverTrack.cover.file.name}) cannot be used: ${coverTrack.cover.error}`,
      trackView.item(coverTrack.id)?.querySelector('.cover-button'));
  }
  // Without the server's probe, embedded covers are unknown, so the server decides whether a cover is missing.
  if (serverProbeAvailable() && album.effectiveCovers().every((cover) => cover.kind === 'none')) {
    const message = 'The album has no cover. Add an image as the album cover, or drop one on a track.';
    $('album-cover-error').dataset.serverMessage = message;
    renderAlbum();
    return fail(message, $('album-cover-input'));
  }
  const problem = showSettingsProblem();
  if (problem) return fail(problem, $('width'));

  const { width, height, fps } = readSettings();
  const albumTitle = $('album-title').value.trim();
  const { form, sources } = album.buildForm({ width, height, fps, album: albumTitle, ...readRenderOptions() });
  // The preview has the shape of the job's status, so the panel shows the album before the server responds.
  const preview = {
    album: albumTitle || undefined,
    width,
    height,
    fps,
    duration: album.totalDuration().seconds,
    tracks: album.tracks.map((track) => ({
      title: track.title.trim() || track.fileName,
      artist: track.artist.trim() || undefined,
      duration: track.duration,
    })),
  };
  return { form, sources, preview };
}

function clearFieldErrors() {
  for (const track of album.tracks) {
    if (track.serverError) {
      track.serverError = false;
      album.setTrackError(track.id, null);
    }
  }
  delete $('album-cover-error').dataset.serverMessage;
  $('album-title-error').hidden = true;
  renderAlbum();
}

/** Shows the server's message next to the track, cover or setting that its field names. */
function showFieldError(field, message, sources) {
  const source = sources?.get(field);
  if (source?.trackId !== undefined && album.track(source.trackId)) {
    const track = album.track(source.trackId);
    album.setTrackError(track.id, message);
    track.serverError = true;
    const item = trackView.item(track.id);
    item?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    item?.querySelector(source.input === 'artist' ? '.track-artist' : '.track-title')?.focus({ preventScroll: true });
    return;
  }
  if (source?.albumCover || /^image_\d+$/.test(field)) {
    $('album-cover-error').dataset.serverMessage = message;
    renderAlbum();
    return;
  }
  if (/^meta\.(width|height|fps)$/.test(field)) {
    $('size-error').textContent = message;
    $('size-error').hidden = false;
    $(field.slice('meta.'.length)).focus();
    return;
  }
  if (field === 'meta.album') {
    $('album-title-error').textContent = message;
    $('album-title-error').hidden = false;
    $('album-title').focus();
  }
}

// MARK: - Start

initSettings(() => panel.refresh());
renderAlbum();

const jobId = new URLSearchParams(window.location.search).get('job');
if (jobId) panel.resume(jobId);
