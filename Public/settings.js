// The video settings: a preset or a custom width, height and frame rate, kept in localStorage.

const $ = (id) => document.getElementById(id);

/** Limits of POST /api/render's meta: width and height even and within SIZE_LIMITS, fps within FPS_LIMITS. */
const SIZE_LIMITS = { min: 16, max: 7680 };
const FPS_LIMITS = { min: 1, max: 120 };
const SETTINGS_KEY = 'sleeve.videoSettings';

/** Returns the chosen {width, height, fps} as numbers, which may be invalid. */
export function readSettings() {
  return {
    width: Number($('width').value),
    height: Number($('height').value),
    fps: Number($('fps').value),
  };
}

/** Returns the look and sound options as meta fields: background, videoQuality, showTitles and normalize. */
export function readRenderOptions() {
  const choice = $('background').value;
  return {
    background: choice === 'custom' ? $('background-colour').value : choice,
    videoQuality: $('video-quality').value,
    showTitles: $('show-titles').checked,
    normalize: $('normalize').checked,
  };
}

/** Returns the problem with the video settings in plain words, or null when they are valid. */
export function settingsProblem() {
  const { width, height, fps } = readSettings();
  for (const [name, value] of [['Width', width], ['Height', height]]) {
    if (!Number.isInteger(value) || value < SIZE_LIMITS.min || value > SIZE_LIMITS.max) {
      return `${name} must be a whole number of pixels from ${SIZE_LIMITS.min} to ${SIZE_LIMITS.max}.`;
    }
    if (value % 2 !== 0) return `${name} must be an even number of pixels, such as ${value + 1}, because video encoders need even sizes.`;
  }
  if (!Number.isInteger(fps) || fps < FPS_LIMITS.min || fps > FPS_LIMITS.max) {
    return `Frame rate must be a whole number from ${FPS_LIMITS.min} to ${FPS_LIMITS.max} frames per second.`;
  }
  return null;
}

function matchPreset() {
  const { width, height } = readSettings();
  const value = `${width}x${height}`;
  const known = [...$('preset').options].some((option) => option.value === value);
  $('preset').value = known ? value : 'custom';
}

/** Shows the problem with the settings next to them and returns it, or null when they are valid. */
export function showSettingsProblem() {
  const problem = settingsProblem();
  $('size-error').textContent = problem ?? '';
  $('size-error').hidden = !problem;
  for (const id of ['width', 'height', 'fps']) $(id).setAttribute('aria-invalid', problem ? 'true' : 'false');
  return problem;
}

function saveSettings() {
  try {
    const options = {
      background: $('background').value,
      backgroundColour: $('background-colour').value,
      videoQuality: $('video-quality').value,
      showTitles: $('show-titles').checked,
      normalize: $('normalize').checked,
    };
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ ...readSettings(), options }));
  } catch {
    // Storage may be disabled, and then the settings last only as long as the page.
  }
}

function restoreSettings() {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null');
    if (saved && Number.isInteger(saved.width) && Number.isInteger(saved.height) && Number.isInteger(saved.fps)) {
      $('width').value = saved.width;
      $('height').value = saved.height;
      $('fps').value = saved.fps;
    }
    const options = saved?.options;
    if (options) {
      if (['#000000', 'blur', 'custom'].includes(options.background)) $('background').value = options.background;
      if (/^#[0-9a-f]{6}$/i.test(options.backgroundColour ?? '')) $('background-colour').value = options.backgroundColour;
      if (['fast', 'balanced', 'small'].includes(options.videoQuality)) $('video-quality').value = options.videoQuality;
      $('show-titles').checked = options.showTitles === true;
      $('normalize').checked = options.normalize === true;
    }
  } catch {
    // Unreadable or missing settings leave the defaults.
  }
  matchPreset();
  $('background-colour').hidden = $('background').value !== 'custom';
}

/** Restores the saved settings and calls onChange after each change a person makes. */
export function initSettings(onChange) {
  restoreSettings();

  $('preset').addEventListener('change', () => {
    const value = $('preset').value;
    if (value !== 'custom') {
      const [width, height] = value.split('x');
      $('width').value = width;
      $('height').value = height;
    } else {
      $('width').focus();
    }
    showSettingsProblem();
    saveSettings();
    onChange();
  });

  $('background').addEventListener('change', () => {
    const isCustom = $('background').value === 'custom';
    $('background-colour').hidden = !isCustom;
    if (isCustom) $('background-colour').focus();
  });
  for (const id of ['background', 'background-colour', 'video-quality', 'show-titles', 'normalize']) {
    $(id).addEventListener('change', () => {
      saveSettings();
      onChange();
    });
  }

  for (const id of ['width', 'height', 'fps']) {
    $(id).addEventListener('input', () => {
      matchPreset();
      if (!$('size-error').hidden) showSettingsProblem();
      saveSettings();
      onChange();
    });
    $(id).addEventListener('change', () => showSettingsProblem());
  }
}
