import Foundation

/// Settings of `sleeve serve`.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var dataFolder = URL(fileURLWithPath: "data", isDirectory: true)
    public var maxFileMebibytes = 1024
    public var maxTotalMebibytes = 4096
    public var workers = 1
    public var maxQueued = 20
    public var retentionMinutes: Double = 1440
    public var tools = MediaTools()
    public var publicFolder: URL?
    public var logLevel: Logger.Level = .info
    public var minFreeMebibytes = 512
    public var maxImageMegapixels: Double = 100
    public var maxTrackMinutes: Double = 240
    public var maxAlbumMinutes: Double = 720
    public var shutdownGraceSeconds: Double = 30
    public var stallTimeoutSeconds: Double = 300
    public var jobTimeoutMinutes: Double = 360

    public init() {}

    /// The options of `sleeve serve`; each may also be set as `SLEEVE_` plus its name in upper snake case.
    public static let options: [CommandLineOption] = [
        CommandLineOption(
            "host", .text, default: "127.0.0.1", valueName: "ADDRESS",
            help: "Address to listen on; 0.0.0.0 or :: listens on every interface."),
        CommandLineOption(
            "port", .integer(0...65535), default: "8080", valueName: "PORT",
            help: "TCP port to listen on; 0 picks a free port and logs it."),
        CommandLineOption(
            "data-dir", .text, default: "./data", valueName: "PATH",
            help: "Folder for the job database, uploads and rendered videos; created when missing."),
        CommandLineOption(
            "max-file-mb", .integer(1...1_048_576), default: "1024", valueName: "MIB",
            help: "Largest accepted file in one upload, in MiB."),
        CommandLineOption(
            "max-total-mb", .integer(1...1_048_576), default: "4096", valueName: "MIB",
            help: "Largest accepted upload (all files of one album), in MiB."),
        CommandLineOption(
            "workers", .integer(1...64), default: "1", valueName: "N",
            help: "Albums rendered at the same time; others wait in the queue."),
        CommandLineOption(
            "max-queued", .integer(1...100_000), default: "20", valueName: "N",
            help: "Albums that may wait in the queue. Further uploads get 429."),
        CommandLineOption(
            "retention-minutes", .number(0.001...5_256_000), default: "1440", valueName: "MINUTES",
            help: "How long a rendered video is kept for download, in minutes; fractions allowed."),
        CommandLineOption(
            "max-image-megapixels", .number(0.01...1_000), default: "100", valueName: "MP",
            help: "Largest accepted cover, in millions of pixels; larger images get 400."),
        CommandLineOption(
            "max-track-minutes", .number(0.01...10_080), default: "240", valueName: "MINUTES",
            help: "Longest accepted track; longer ones get 400."),
        CommandLineOption(
            "max-album-minutes", .number(0.01...100_000), default: "720", valueName: "MINUTES",
            help: "Longest accepted album, all tracks together; longer ones get 400."),
        CommandLineOption(
            "min-free-mb", .integer(0...1_048_576), default: "512", valueName: "MIB",
            help:
                "Free disk space to keep on the data folder's file system, in MiB; uploads that would leave less get 507."
        ),
        CommandLineOption(
            "stall-timeout-seconds", .number(1...86_400), default: "300", valueName: "SECONDS",
            help: "A render that reports no progress for this long is stopped and its job fails."),
        CommandLineOption(
            "job-timeout-minutes", .number(0.1...10_080), default: "360", valueName: "MINUTES",
            help: "A render that runs longer than this is stopped and its job fails."),
        CommandLineOption(
            "shutdown-grace-seconds", .number(0...3_600), default: "30", valueName: "SECONDS",
            help:
                "On SIGTERM or SIGINT, how long running renders may continue before they are stopped and queued again for the next start."
        ),
        CommandLineOption(
            "ffmpeg", .text, default: "ffmpeg", valueName: "PATH",
            help: "The ffmpeg program, as a path or a name found in PATH."),
        CommandLineOption(
            "ffprobe", .text, default: "ffprobe", valueName: "PATH",
            help: "The ffprobe program, as a path or a name found in PATH."),
        CommandLineOption(
            "public-dir", .text, valueName: "PATH",
            help: "Folder of the web page served at /; defaults to the Public folder of the source tree."),
        CommandLineOption(
            "log-level", .text, default: "info", valueName: "LEVEL",
            help: "Least important log level written: debug, info, warning or error."),
    ]

    /// Builds a configuration from parsed options.
    public init(_ parsed: ParsedOptions) throws(CommandLineError) {
        host = parsed.text("host") ?? host
        port = parsed.integer("port") ?? port
        dataFolder = URL(fileURLWithPath: parsed.text("data-dir") ?? "./data", isDirectory: true).standardizedFileURL
        maxFileMebibytes = parsed.integer("max-file-mb") ?? maxFileMebibytes
        maxTotalMebibytes = parsed.integer("max-total-mb") ?? maxTotalMebibytes
        workers = parsed.integer("workers") ?? workers
        maxQueued = parsed.integer("max-queued") ?? maxQueued
        retentionMinutes = parsed.number("retention-minutes") ?? retentionMinutes
        tools = MediaTools(ffmpeg: parsed.text("ffmpeg") ?? "ffmpeg", ffprobe: parsed.text("ffprobe") ?? "ffprobe")
        publicFolder = parsed.text("public-dir").map { URL(fileURLWithPath: $0, isDirectory: true) }
        minFreeMebibytes = parsed.integer("min-free-mb") ?? minFreeMebibytes
        maxImageMegapixels = parsed.number("max-image-megapixels") ?? maxImageMegapixels
        maxTrackMinutes = parsed.number("max-track-minutes") ?? maxTrackMinutes
        maxAlbumMinutes = parsed.number("max-album-minutes") ?? maxAlbumMinutes
        stallTimeoutSeconds = parsed.number("stall-timeout-seconds") ?? stallTimeoutSeconds
        jobTimeoutMinutes = parsed.number("job-timeout-minutes") ?? jobTimeoutMinutes
        shutdownGraceSeconds = parsed.number("shutdown-grace-seconds") ?? shutdownGraceSeconds
        let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "warning": .warning, "error": .error]
        let levelName = parsed.text("log-level") ?? "info"
        guard let level = levels[levelName] else {
            throw CommandLineError("--log-level must be debug, info, warning or error, not \"\(levelName)\".")
        }
        logLevel = level
    }
}
