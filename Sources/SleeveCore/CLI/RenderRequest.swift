import Foundation

/// The tracks, output and options of one `sleeve render` run, from its arguments or from an album JSON file.
public struct RenderRequest: Sendable {
    public struct Track: Sendable, Equatable {
        public var audio: URL
        public var image: URL?
        public var title: String?
        public var artist: String?

        public init(audio: URL, image: URL? = nil, title: String? = nil, artist: String? = nil) {
            self.audio = audio
            self.image = image
            self.title = title
            self.artist = artist
        }
    }

    public var tracks: [Track] = []
    public var output: URL?
    /// One cover for every track without an image of its own.
    public var cover: URL?
    public var options = RenderOptions()
    public var writesJSON = false
    public var overwrites = false
    public var tools = MediaTools()
    public var showsHelp = false

    public init() {}

    /// Size presets accepted by `--preset`.
    public static let presets: [String: (width: Int, height: Int)] = [
        "1080p": (1920, 1080), "720p": (1280, 720), "4k": (3840, 2160), "vertical": (1080, 1920),
        "square": (1080, 1080),
    ]

    /// Parses the arguments after `sleeve render`. Options that describe a track (`--title`, `--artist`,
    /// `--image`) apply to the audio file named just before them.
    public static func parse(_ arguments: [String], environment: [String: String]) throws(CommandLineError)
        -> RenderRequest
    {
        var request = RenderRequest()
        request.tools = MediaTools(
            ffmpeg: environment["SLEEVE_FFMPEG"] ?? "ffmpeg", ffprobe: environment["SLEEVE_FFPROBE"] ?? "ffprobe")
        var albumFile: URL?
        var sizeOptions: [String: Int] = [:]
        var outputOptions = OutputOptions()
        var index = 0

        func value(for option: String) throws(CommandLineError) -> String {
            guard index < arguments.count else {
                throw CommandLineError("\(option) needs a value. Run sleeve render --help for the syntax.")
            }
            index += 1
            return arguments[index - 1]
        }

        func lastTrack(for option: String) throws(CommandLineError) -> Int {
            guard !request.tracks.isEmpty else {
                throw CommandLineError(
                    "\(option) describes the audio file named before it, but no audio file came first. Example: sleeve render -o album.mp4 intro.flac \(option) …"
                )
            }
            return request.tracks.count - 1
        }

        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "-h", "--help":
                request.showsHelp = true
            case "-o", "--output":
                request.output = URL(fileURLWithPath: try value(for: argument))
            case "--cover":
                request.cover = URL(fileURLWithPath: try value(for: argument))
            case "--json":
                request.writesJSON = true
            case "--force":
                request.overwrites = true
            case "--ffmpeg":
                request.tools.ffmpeg = try value(for: argument)
            case "--ffprobe":
                request.tools.ffprobe = try value(for: argument)
            case "--width", "--height", "--fps":
                let text = try value(for: argument)
                guard let number = Int(text) else {
                    throw CommandLineError("\(argument) must be a whole number, not \"\(text)\".")
                }
                sizeOptions[String(argument.dropFirst(2))] = number
            case "--preset":
                let name = try value(for: argument).lowercased()
                guard let size = presets[name] else {
                    throw CommandLineError(
                        "Unknown preset \"\(name)\". Use one of: \(presets.keys.sorted().joined(separator: ", ")).")
                }
                sizeOptions["width"] = size.width
                sizeOptions["height"] = size.height
            case "--background":
                let text = try value(for: argument)
                guard let background = RenderBackground(parsing: text) else {
                    throw CommandLineError(
                        "--background is \"\(text)\"; write a colour as #RRGGBB or #RGB in hex digits, such as "
                            + "#101010, or write blur.")
                }
                outputOptions.background = background.text
            case "--show-titles":
                outputOptions.showsTitles = true
            case "--normalize":
                outputOptions.normalizesLoudness = true
            case "--audio-bitrate":
                let text = try value(for: argument)
                let range = RenderOptions.audioBitrateRange
                guard let bitrate = Int(text), range.contains(bitrate) else {
                    throw CommandLineError(
                        "--audio-bitrate is \"\(text)\"; use a whole number of kbit/s from \(range.lowerBound) to "
                            + "\(range.upperBound), such as 192.")
                }
                outputOptions.audioBitrate = bitrate
            case "--quality":
                let text = try value(for: argument)
                guard let quality = VideoQuality(rawValue: text.lowercased()) else {
                    let names = VideoQuality.allCases.map(\.rawValue).joined(separator: ", ")
                    throw CommandLineError("Unknown quality \"\(text)\". Use one of: \(names).")
                }
                outputOptions.videoQuality = quality
            case "--title":
                request.tracks[try lastTrack(for: argument)].title = try value(for: argument)
            case "--artist":
                request.tracks[try lastTrack(for: argument)].artist = try value(for: argument)
            case "--image":
                request.tracks[try lastTrack(for: argument)].image = URL(fileURLWithPath: try value(for: argument))
            case "--":
                for path in arguments[index...] {
                    request.tracks.append(Track(audio: URL(fileURLWithPath: path)))
                }
                index = arguments.count
            default:
                if argument.hasPrefix("-") && argument.count > 1 {
                    throw CommandLineError("Unknown option \(argument). Run sleeve render --help for the options.")
                }
                if argument.lowercased().hasSuffix(".json") && request.tracks.isEmpty && albumFile == nil {
                    albumFile = URL(fileURLWithPath: argument)
                } else {
                    request.tracks.append(Track(audio: URL(fileURLWithPath: argument)))
                }
            }
        }

        guard !request.showsHelp else { return request }

        if let albumFile {
            guard request.tracks.isEmpty else {
                throw CommandLineError("Give either an album JSON file or audio files, not both.")
            }
            try request.load(albumFile)
        }
        try request.applySizes(sizeOptions)
        outputOptions.apply(to: &request.options)

        guard !request.tracks.isEmpty else {
            throw CommandLineError(
                "No tracks given. Example: sleeve render -o album.mp4 --cover cover.jpg 01.flac 02.flac")
        }
        guard request.tracks.count <= AlbumMeta.maxTracks else {
            throw CommandLineError("\(request.tracks.count) tracks given; an album has at most \(AlbumMeta.maxTracks).")
        }
        guard request.output != nil else {
            throw CommandLineError("No output file given. Add -o album.mp4.")
        }
        return request
    }

    /// Reads an album JSON file: the `meta` document of the HTTP API, where each track also names its `audio`
    /// file and optionally its `image`, and the top level may name one `cover`. Paths are relative to the file.
    private mutating func load(_ file: URL) throws(CommandLineError) {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw CommandLineError("The album file \(file.path) could not be read: \(error.localizedDescription)")
        }

        let meta: AlbumMeta
        do {
            meta = try AlbumMeta.parse(data)
        } catch {
            throw CommandLineError("\(file.lastPathComponent): \(error.message)")
        }
        options = meta.options

        let base = file.deletingLastPathComponent()
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let entries = object["tracks"] as? [[String: Any]] ?? []
        func path(_ value: Any?, field: String) throws(CommandLineError) -> URL? {
            guard let value, !(value is NSNull) else { return nil }
            guard let text = value as? String, !text.isEmpty else {
                throw CommandLineError("\(file.lastPathComponent): \(field) must be a file path.")
            }
            return text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
        }

        for (position, entry) in entries.enumerated() {
            guard let audio = try path(entry["audio"], field: "tracks[\(position)].audio") else {
                throw CommandLineError(
                    "\(file.lastPathComponent): tracks[\(position)] has no audio file. Add \"audio\": \"path/to/file.flac\"."
                )
            }
            tracks.append(
                Track(
                    audio: audio, image: try path(entry["image"], field: "tracks[\(position)].image"),
                    title: meta.tracks[position].title, artist: meta.tracks[position].artist))
        }
        if cover == nil {
            cover = try path(object["cover"], field: "cover")
        }
    }

    /// Output options given as flags, which win over the same options in an album file.
    private struct OutputOptions {
        var background: String?
        var showsTitles: Bool?
        var normalizesLoudness: Bool?
        var audioBitrate: Int?
        var videoQuality: VideoQuality?

        func apply(to options: inout RenderOptions) {
            if let background { options.background = background }
            if let showsTitles { options.showsTitles = showsTitles }
            if let normalizesLoudness { options.normalizesLoudness = normalizesLoudness }
            if let audioBitrate { options.audioBitrate = audioBitrate }
            if let videoQuality { options.videoQuality = videoQuality }
        }
    }

    private mutating func applySizes(_ sizes: [String: Int]) throws(CommandLineError) {
        if let width = sizes["width"] { options.width = width }
        if let height = sizes["height"] { options.height = height }
        if let fps = sizes["fps"] { options.fps = fps }

        for (name, value) in [("width", options.width), ("height", options.height)] {
            guard AlbumMeta.sizeRange.contains(value), value % 2 == 0 else {
                throw CommandLineError(
                    "--\(name) is \(value); use an even number from \(AlbumMeta.sizeRange.lowerBound) to \(AlbumMeta.sizeRange.upperBound)."
                )
            }
        }
        guard AlbumMeta.fpsRange.contains(options.fps) else {
            throw CommandLineError(
                "--fps is \(options.fps); use a whole number from \(AlbumMeta.fpsRange.lowerBound) to \(AlbumMeta.fpsRange.upperBound)."
            )
        }
    }
}
