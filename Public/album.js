// The album being edited: tracks in order, their covers, and what is sent to POST /api/render.

import { compareNames, titleFromFileName } from './format.js';
import { probeFile, serverProbeAvailable } from './probe.js';

/**
 * An album of tracks. Each change dispatches a 'change' event, whose detail.reason names the change
 * ('add', 'probe', 'order', 'remove', 'cover', 'edit', 'errors', 'clear').
 *
 * A track is {id, file, fileName, title, titleEdited, artist, artistEdited, duration, trackNumber, embeddedCover,
 * cover, probing, error}. A cover is {file, url, probing, error}, where url is an object URL for the thumbnail.
 */
export class Album extends EventTarget {
  tracks = [];
  albumCover = null;
  /** True until a person reorders tracks by hand. Until then, tracks stay sorted by track number, then file name. */
  autoOrder = true;
  #nextId = 1;

  #changed(reason) {
    this.dispatchEvent(new CustomEvent('change', { detail: { reason } }));
  }

  track(id) {
    return this.tracks.find((track) => track.id === id);
  }

  indexOf(id) {
    return this.tracks.findIndex((track) => track.id === id);
  }

  /** Adds an audio file as a track and probes it for duration, tags and an embedded cover. */
  addAudio(file) {
    const track = {
      id: this.#nextId++,
      file,
      fileName: file.name,
      title: titleFromFileName(file.name),
      titleEdited: false,
      artist: '',
      artistEdited: false,
      duration: undefined,
      trackNumber: undefined,
      embeddedCover: null,
      cover: null,
      probing: true,
      error: null,
    };
    this.tracks.push(track);
    this.#sortIfAutomatic();
    this.#changed('add');
    this.#probeTrack(track);
    return track;
  }

  async #probeTrack(track) {
    try {
      const info = await probeFile(track.file);
      if (info.kind !== 'audio') {
        track.error = `${track.fileName} is an image, not audio. Remove this track and drop the image on a track or on the album cover to use it as a cover.`;
      } else {
        track.duration = info.duration;
        if (Number.isInteger(info.trackNumber)) track.trackNumber = info.trackNumber;
        if (info.title && !track.titleEdited) track.title = info.title;
        if (info.artist && !track.artistEdited) track.artist = info.artist;
        if (typeof info.cover === 'string' && info.cover.startsWith('data:image/')) track.embeddedCover = info.cover;
        if (info.album) this.dispatchEvent(new CustomEvent('albumtag', { detail: { album: info.album } }));
      }
    } catch (error) {
      track.error = error.message;
    }
    track.probing = false;
    if (!this.tracks.includes(track)) return;
    this.#sortIfAutomatic();
    this.#changed('probe');
  }

  #sortIfAutomatic() {
    if (!this.autoOrder) return;
    this.tracks.sort((a, b) => {
      const numberA = a.trackNumber ?? Number.POSITIVE_INFINITY;
      const numberB = b.trackNumber ?? Number.POSITIVE_INFINITY;
      if (numberA !== numberB) return numberA < numberB ? -1 : 1;
      return compareNames(a.fileName, b.fileName);
    });
  }

  /** Sets a track's own cover, replacing any earlier one. */
  setTrackCover(id, file) {
    const track = this.track(id);
    if (!track) return;
    releaseCover(track.cover);
    track.cover = this.#makeCover(file);
    this.#changed('cover');
  }

  removeTrackCover(id) {
    const track = this.track(id);
    if (!track || !track.cover) return;
    releaseCover(track.cover);
    track.cover = null;
    this.#changed('cover');
  }

  /** Sets the cover shown for every track without one of its own or an embedded one. */
  setAlbumCover(file) {
    releaseCover(this.albumCover);
    this.albumCover = this.#makeCover(file);
    this.#changed('cover');
  }

  removeAlbumCover() {
    releaseCover(this.albumCover);
    this.albumCover = null;
    this.#changed('cover');
  }

  #makeCover(file) {
    const cover = { file, url: URL.createObjectURL(file), probing: true, error: null };
    probeFile(file)
      .then((info) => {
        if (info.kind !== 'image') cover.error = `${file.name} is not an image. Choose a JPEG, PNG or WebP file.`;
      })
      .catch((error) => {
        cover.error = error.message;
      })
      .finally(() => {
        cover.probing = false;
        this.#changed('cover');
      });
    return cover;
  }

  removeTrack(id) {
    const index = this.indexOf(id);
    if (index < 0) return;
    const [track] = this.tracks.splice(index, 1);
    releaseCover(track.cover);
    this.#changed('remove');
  }

  /** Moves a track to a new position, which stops the automatic ordering. */
  moveTrack(id, toIndex) {
    const from = this.indexOf(id);
    const to = Math.max(0, Math.min(this.tracks.length - 1, toIndex));
    if (from < 0 || from === to) return false;
    const [track] = this.tracks.splice(from, 1);
    this.tracks.splice(to, 0, track);
    this.autoOrder = false;
    this.#changed('order');
    return true;
  }

  editTrack(id, field, value) {
    const track = this.track(id);
    if (!track) return;
    track[field] = value;
    track[`${field}Edited`] = true;
    this.#changed('edit');
  }

  clear() {
    for (const track of this.tracks) releaseCover(track.cover);
    releaseCover(this.albumCover);
    this.tracks = [];
    this.albumCover = null;
    this.autoOrder = true;
    this.#changed('clear');
  }

  /** Sets or clears the error shown on a track, such as the server's message about its file. */
  setTrackError(id, message) {
    const track = this.track(id);
    if (!track) return;
    track.error = message;
    this.#changed('errors');
  }

  setAlbumCoverError(message) {
    if (!this.albumCover) return;
    this.albumCover.error = message;
    this.#changed('errors');
  }

  /** Total length in seconds, and whether every track's duration is known. */
  totalDuration() {
    let seconds = 0;
    let complete = true;
    for (const track of this.tracks) {
      if (Number.isFinite(track.duration)) seconds += track.duration;
      else complete = false;
    }
    return { seconds, complete };
  }

  /**
   * Returns, per track, the cover the video shows: {kind: 'own'|'embedded'|'album'|'inherited'|'none', url, from},
   * where from is the index of the track an inherited cover comes from. The server picks covers the same way: a
   * track without a cover shows the nearest earlier track's, else the nearest later one's.
   */
  effectiveCovers() {
    const explicit = this.tracks.map((track) => {
      if (track.cover) return { kind: 'own', url: track.cover.url };
      if (track.embeddedCover) return { kind: 'embedded', url: track.embeddedCover };
      if (this.albumCover) return { kind: 'album', url: this.albumCover.url };
      return null;
    });
    return explicit.map((cover, index) => {
      if (cover) return cover;
      for (let earlier = index - 1; earlier >= 0; earlier -= 1) {
        if (explicit[earlier]) return { kind: 'inherited', url: explicit[earlier].url, from: earlier };
      }
      for (let later = index + 1; later < explicit.length; later += 1) {
        if (explicit[later]) return { kind: 'inherited', url: explicit[later].url, from: later };
      }
      return { kind: 'none', url: null };
    });
  }

  isProbing() {
    return this.tracks.some((track) => track.probing) || Boolean(this.albumCover?.probing)
      || this.tracks.some((track) => track.cover?.probing);
  }

  /**
   * Builds the multipart form for POST /api/render, and the map from each form field to what it came from:
   * {trackId} for audio and a track's own cover, {albumCover: true} for the album cover.
   */
  buildForm(options) {
    const covers = this.effectiveCovers();
    const everyTrackProbed = serverProbeAvailable() && this.tracks.every((track) => !track.error);
    const sources = new Map();
    const form = new FormData();

    const meta = {
      tracks: this.tracks.map((track) => {
        const entry = {};
        if (track.title.trim()) entry.title = track.title.trim();
        if (track.artist.trim()) entry.artist = track.artist.trim();
        return entry;
      }),
      width: options.width,
      height: options.height,
      fps: options.fps,
    };
    if (options.album) meta.album = options.album;
    if (options.background) meta.background = options.background;
    if (options.videoQuality) meta.videoQuality = options.videoQuality;
    if (options.showTitles) meta.showTitles = true;
    if (options.normalize) meta.normalize = true;
    form.append('meta', JSON.stringify(meta));

    this.tracks.forEach((track, index) => {
      form.append(`audio_${index}`, track.file, track.file.name);
      sources.set(`audio_${index}`, { trackId: track.id });
      sources.set(`meta.tracks[${index}].title`, { trackId: track.id, input: 'title' });
      sources.set(`meta.tracks[${index}].artist`, { trackId: track.id, input: 'artist' });

      if (covers[index].kind === 'own') {
        form.append(`image_${index}`, track.cover.file, track.cover.file.name);
        sources.set(`image_${index}`, { trackId: track.id });
      } else if (covers[index].kind === 'album') {
        // The server gives a track without a cover the nearest earlier track's, so the album cover is sent once
        // per run of tracks that use it. Without the server's probe, embedded covers are unknown, and a track
        // with one would break such a run, so then the album cover is sent for each of those tracks.
        const startsRun = index === 0 || covers[index - 1].kind !== 'album';
        if (startsRun || !everyTrackProbed) {
          form.append(`image_${index}`, this.albumCover.file, this.albumCover.file.name);
          sources.set(`image_${index}`, { albumCover: true });
        }
      }
    });
    return { form, sources };
  }
}

function releaseCover(cover) {
  if (cover?.url) URL.revokeObjectURL(cover.url);
}
