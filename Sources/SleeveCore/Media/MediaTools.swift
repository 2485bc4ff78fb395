import Foundation

/// Locations of the ffmpeg, ffprobe and pango-view executables.
///
/// A value without a slash is a bare name, looked up in the directories of the `PATH` environment variable when a
/// tool runs. A value with a slash is used as it is.
public struct MediaTools: Sendable {
    public var ffmpeg: String
    public var ffprobe: String
    /// The Pango text renderer from the Debian package pango1.0-tools, which draws titles into PNG files.
    public var pangoView: String

    public init(ffmpeg: String = "ffmpeg", ffprobe: String = "ffprobe", pangoView: String = "pango-view") {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.pangoView = pangoView
    }

    /// Resolves `name` to an executable path by searching `PATH`, or returns nil when no executable file matches.
    static func resolveExecutable(_ name: String) -> String? {
        if name.contains("/") {
            return name
        }
        guard !name.isEmpty else {
            return nil
        }

        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(name)" : "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}
