// The track list: one <li> per track, kept in step with the album, with editing, covers and reordering.

import { formatDuration } from './format.js';

const TRACK_DRAG_TYPE = 'application/x-sleeve-track';

const COVER_NOTES = {
  own: 'Own cover',
  embedded: 'Embedded cover',
  album: 'Album cover',
  none: 'No cover yet',
};

export class TrackListView {
  #items = new Map();
  #draggedId = null;

  /**
   * list is the <ol>, template the <template> of one track, announce(text) speaks a status change, and
   * onFilesDropped(files, trackId) receives files dropped on a track.
   */
  constructor({ list, template, album, announce, onFilesDropped }) {
    this.list = list;
    this.template = template;
    this.album = album;
    this.announce = announce;
    this.onFilesDropped = onFilesDropped;
  }

  /** Brings the list in line with the album without replacing inputs, so typing and focus are kept. */
  render() {
    const focused = document.activeElement;
    const covers = this.album.effectiveCovers();
    const tracks = this.album.tracks;
    const seen = new Set();

    tracks.forEach((track, index) => {
      let item = this.#items.get(track.id);
      if (!item) {
        item = this.#createItem(track);
        this.#items.set(track.id, item);
      }
      this.#updateItem(item, track, index, tracks.length, covers[index]);
      if (this.list.children[index] !== item) this.list.insertBefore(item, this.list.children[index] ?? null);
      seen.add(track.id);
    });

    for (const [id, item] of this.#items) {
      if (!seen.has(id)) {
        item.remove();
        this.#items.delete(id);
      }
    }

    // Moving a node blurs the element inside it that had focus, so focus goes back to it.
    if (focused && focused !== document.activeElement && this.list.contains(focused)) focused.focus();
  }

  /** Returns the <li> of a track, or undefined. */
  item(trackId) {
    return this.#items.get(trackId);
  }

  #createItem(track) {
    const item = this.template.content.firstElementChild.cloneNode(true);
    item.dataset.trackId = String(track.id);
    const titleInput = item.querySelector('.track-title');
    const artistInput = item.querySelector('.track-artist');
    titleInput.id = `track-${track.id}-title`;
    artistInput.id = `track-${track.id}-artist`;
    item.querySelector('.track-title-label').htmlFor = titleInput.id;
    item.querySelector('.track-artist-label').htmlFor = artistInput.id;
    const error = item.querySelector('.track-error');
    error.id = `track-${track.id}-error`;
    titleInput.setAttribute('aria-describedby', error.id);

    titleInput.addEventListener('input', () => this.album.editTrack(track.id, 'title', titleInput.value));
    artistInput.addEventListener('input', () => this.album.editTrack(track.id, 'artist', artistInput.value));

    const coverInput = item.querySelector('.cover-input');
    item.querySelector('.cover-button').addEventListener('click', () => coverInput.click());
    coverInput.addEventListener('change', () => {
      if (coverInput.files.length > 0) this.onFilesDropped([...coverInput.files], track.id);
      coverInput.value = '';
    });
    item.querySelector('.remove-cover').addEventListener('click', () => {
      this.album.removeTrackCover(track.id);
      item.querySelector('.cover-button').focus();
      this.announce(`Removed the cover of ${this.#describe(track.id)}.`);
    });

    item.querySelector('.move-up').addEventListener('click', (event) => this.#moveBy(track.id, -1, event.currentTarget));
    item.querySelector('.move-down').addEventListener('click', (event) => this.#moveBy(track.id, 1, event.currentTarget));
    item.querySelector('.remove').addEventListener('click', () => this.#remove(track.id));

    item.addEventListener('keydown', (event) => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      event.preventDefault();
      this.#moveBy(track.id, event.key === 'ArrowUp' ? -1 : 1, document.activeElement);
    });

    this.#addDragHandling(item, track.id);
    return item;
  }

  #updateItem(item, track, index, count, cover) {
    const number = index + 1;
    const name = track.title.trim() || track.fileName;
    item.querySelector('.track-number').textContent = String(number);
    item.querySelector('.track-title-label').textContent = `Title of track ${number}`;
    item.querySelector('.track-artist-label').textContent = `Artist of track ${number}`;
    setValueUnlessFocused(item.querySelector('.track-title'), track.title);
    setValueUnlessFocused(item.querySelector('.track-artist'), track.artist);

    showCoverImage(item.querySelector('.cover-image'), item.querySelector('.cover-button .cover-placeholder'), cover.url);
    item.querySelector('.cover-button').classList.toggle('inherited', cover.kind === 'inherited');
    item.querySelector('.cover-button').setAttribute(
      'aria-label',
      track.cover ? `Replace the cover of track ${number}, ${name}` : `Choose a cover for track ${number}, ${name}`);
    item.querySelector('.track-cover-note').textContent =
      cover.kind === 'inherited' ? `Cover of track ${cover.from + 1}` : COVER_NOTES[cover.kind];
    item.querySelector('.remove-cover').hidden = !track.cover;
    item.querySelector('.remove-cover').setAttribute('aria-label', `Remove the cover of track ${number}, ${name}`);

    const duration = item.querySelector('.track-duration');
    duration.textContent = track.probing ? 'Reading…' : formatDuration(track.duration);
    item.querySelector('.track-file').textContent = track.fileName;
    item.querySelector('.track-file').title = track.fileName;

    const moveUp = item.querySelector('.move-up');
    const moveDown = item.querySelector('.move-down');
    moveUp.disabled = index === 0;
    moveDown.disabled = index === count - 1;
    moveUp.setAttribute('aria-label', `Move track ${number}, ${name}, up`);
    moveDown.setAttribute('aria-label', `Move track ${number}, ${name}, down`);
    moveUp.title = 'Move up (Alt+Up)';
    moveDown.title = 'Move down (Alt+Down)';
    item.querySelector('.remove').setAttribute('aria-label', `Remove track ${number}, ${name}`);
    item.querySelector('.remove').title = 'Remove track';

    const error = item.querySelector('.track-error');
    const message = track.error ?? track.cover?.error ?? '';
    error.textContent = message;
    error.hidden = !message;
    item.classList.toggle('has-error', Boolean(message));
    item.querySelector('.track-title').setAttribute('aria-invalid', track.error ? 'true' : 'false');
  }

  #describe(trackId) {
    const index = this.album.indexOf(trackId);
    const track = this.album.track(trackId);
    return `track ${index + 1}, ${track.title.trim() || track.fileName}`;
  }

  #moveBy(trackId, step, focusTarget) {
    const from = this.album.indexOf(trackId);
    if (!this.album.moveTrack(trackId, from + step)) return;
    const item = this.#items.get(trackId);
    // A move button that became disabled at the top or bottom cannot keep focus, so its partner takes it.
    if (focusTarget?.disabled) {
      item.querySelector(focusTarget.classList.contains('move-up') ? '.move-down' : '.move-up').focus();
    } else if (focusTarget && item.contains(focusTarget)) {
      focusTarget.focus();
    }
    const track = this.album.track(trackId);
    this.announce(`Moved ${track.title.trim() || track.fileName} to position ${from + step + 1} of ${this.album.tracks.length}.`);
  }

  #remove(trackId) {
    const index = this.album.indexOf(trackId);
    const track = this.album.track(trackId);
    const name = track.title.trim() || track.fileName;
    this.album.removeTrack(trackId);
    // Focus moves to the next track's remove button, else the previous one's, else the file picker.
    const next = this.album.tracks[index] ?? this.album.tracks[index - 1];
    if (next) this.#items.get(next.id).querySelector('.remove').focus();
    else document.getElementById('add-files').focus();
    this.announce(`Removed ${name}. ${this.album.tracks.length} tracks left.`);
  }

  #addDragHandling(item, trackId) {
    const handle = item.querySelector('.drag-handle');
    handle.addEventListener('dragstart', (event) => {
      this.#draggedId = trackId;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData(TRACK_DRAG_TYPE, String(trackId));
      event.dataTransfer.setDragImage(item, 24, 24);
      item.classList.add('dragging');
    });
    handle.addEventListener('dragend', () => {
      this.#draggedId = null;
      item.classList.remove('dragging');
      this.#clearDropMarks();
    });

    item.addEventListener('dragover', (event) => {
      const types = [...event.dataTransfer.types];
      if (types.includes(TRACK_DRAG_TYPE)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        const after = event.clientY > item.getBoundingClientRect().top + item.offsetHeight / 2;
        this.#clearDropMarks();
        item.classList.add(after ? 'drop-after' : 'drop-before');
      } else if (types.includes('Files')) {
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer.dropEffect = 'copy';
        item.classList.add('file-target');
      }
    });
    item.addEventListener('dragleave', (event) => {
      if (!item.contains(event.relatedTarget)) item.classList.remove('drop-before', 'drop-after', 'file-target');
    });
    item.addEventListener('drop', (event) => {
      const types = [...event.dataTransfer.types];
      if (types.includes(TRACK_DRAG_TYPE) && this.#draggedId !== null) {
        event.preventDefault();
        const after = item.classList.contains('drop-after');
        const from = this.album.indexOf(this.#draggedId);
        let to = this.album.indexOf(trackId) + (after ? 1 : 0);
        if (from < to) to -= 1;
        const moved = this.#draggedId;
        this.#clearDropMarks();
        if (this.album.moveTrack(moved, to)) {
          const track = this.album.track(moved);
          this.announce(`Moved ${track.title.trim() || track.fileName} to position ${to + 1} of ${this.album.tracks.length}.`);
        }
      } else if (types.includes('Files')) {
        event.preventDefault();
        event.stopPropagation();
        item.classList.remove('file-target');
        this.onFilesDropped([...event.dataTransfer.files], trackId);
      }
    });
  }

  #clearDropMarks() {
    for (const item of this.#items.values()) item.classList.remove('drop-before', 'drop-after', 'file-target');
  }
}

/**
 * Shows the image at url in a cover frame, or the placeholder when there is none or the browser cannot decode it,
 * as for a file that only has an image's name.
 */
export function showCoverImage(image, placeholder, url) {
  const failed = Boolean(url) && image.dataset.failedUrl === url;
  if (url && !failed) {
    if (image.getAttribute('src') !== url) {
      image.onerror = () => {
        image.dataset.failedUrl = url;
        showCoverImage(image, placeholder, url);
      };
      image.src = url;
    }
    image.hidden = false;
  } else {
    image.removeAttribute('src');
    image.hidden = true;
  }
  placeholder.textContent = failed ? 'Unreadable' : 'No cover';
  placeholder.hidden = !image.hidden;
}

function setValueUnlessFocused(input, value) {
  if (document.activeElement !== input && input.value !== value) input.value = value;
}
