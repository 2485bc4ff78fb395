public enum SleeveCorePlaceholder {}
