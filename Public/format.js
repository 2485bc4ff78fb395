// Formatting of durations, sizes and file names for display.

/** Formats seconds as m:ss, or h:mm:ss from one hour on. An unknown value becomes an en dash. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, '0');
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${secs}`;
  return `${minutes}:${secs}`;
}

/** Formats seconds in words for screen readers and ETAs, such as "3 min 12 s". */
export function formatDurationWords(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min ${total % 60} s`;
}

/** Formats a byte count in units of 1024 bytes, labelled KB, MB and GB as file managers do, such as "4.2 MB". */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Compares file names the way people sort them, so "2 Song" comes before "10 Song". */
export function compareNames(a, b) {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}

/** Returns a file name without its extension. */
export function baseName(fileName) {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/**
 * Derives a track title from a file name: the extension goes, and so does a leading track number
 * followed by a separator, as in "01 - Intro.mp3" or "01. Intro.flac". "99 Luftballons.mp3" keeps its number.
 */
export function titleFromFileName(fileName) {
  const base = baseName(fileName).trim();
  const stripped = base.replace(/^\d{1,3}\s*[-._)]\s*/, '').trim();
  return stripped || base;
}
