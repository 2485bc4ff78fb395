import Foundation

/// The `meta` field of `POST /api/render`, parsed and checked.
///
/// Accepted values:
/// - `tracks`: 1 to ``maxTracks`` objects, each with optional `title` and `artist` strings.
/// - `width`, `height`: even whole numbers within ``sizeRange`` (default 1920×1080).
/// - `fps`: a whole number within ``fpsRange`` (default 30).
/// - `album`: an optional string.
/// - `background`: "#RRGGBB", "#RGB" or "blur" (default "#000000").
/// - `showTitles`, `normalize`: booleans (default false).
/// - `audioBitrate`: a whole number of kbit/s within ``RenderOptions/audioBitrateRange`` (default 192).
/// - `videoQuality`: "fast", "balanced" or "small" (default "fast").
///
/// Unknown fields are ignored so that later options can be added without breaking older clients.
public struct AlbumMeta: Sendable, Equatable {
    public struct Track: Sendable, Equatable {
        public var title: String?
        public var artist: String?
    }

    public var tracks: [Track]
    public var album: String?
    public var options: RenderOptions

    public static let maxTracks = 100
    public static let sizeRange = 16...7680
    public static let fpsRange = 1...120
    public static let maxTextLength = 500

    /// Parses `data` as the `meta` JSON; throws a 400 ``APIError`` naming the field and the fix.
    public static func parse(_ data: Data) throws(APIError) -> AlbumMeta {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw APIError.badRequest(
                    "The meta field must be a JSON object such as {\"tracks\":[{\"title\":\"Intro\"}]}.", field: "meta")
            }
            object = parsed
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest(
                "The meta field is not valid JSON. Check its quotes, commas and brackets, and send a JSON object such as {\"tracks\":[{\"title\":\"Intro\"}]}.",
                field: "meta")
        }

        let tracks = try parseTracks(object["tracks"])
        var options = RenderOptions()
        options.width = try parseSize(object["width"], name: "width", default: options.width)
        options.height = try parseSize(object["height"], name: "height", default: options.height)
        options.fps = try parseWholeNumber(object["fps"], name: "fps", range: fpsRange, default: options.fps)
        options.background = try parseBackground(object["background"]) ?? options.background
        options.showsTitles = try parseBoolean(object["showTitles"], name: "showTitles") ?? options.showsTitles
        options.normalizesLoudness =
            try parseBoolean(object["normalize"], name: "normalize") ?? options.normalizesLoudness
        options.audioBitrate = try parseWholeNumber(
            object["audioBitrate"], name: "audioBitrate", range: RenderOptions.audioBitrateRange,
            default: options.audioBitrate)
        options.videoQuality = try parseVideoQuality(object["videoQuality"]) ?? options.videoQuality
        let album = try parseText(object["album"], field: "meta.album")
        return AlbumMeta(tracks: tracks, album: album, options: options)
    }

    private static func parseTracks(_ value: Any?) throws(APIError) -> [Track] {
        guard let value, !(value is NSNull) else {
            throw APIError.badRequest(
                "meta.tracks is missing. List one object per track, such as \"tracks\":[{\"title\":\"Intro\"}].",
                field: "meta.tracks")
        }
        guard let entries = value as? [Any] else {
            throw APIError.badRequest(
                "meta.tracks must be a list of track objects, not \(describe(value)).", field: "meta.tracks")
        }
        guard (1...maxTracks).contains(entries.count) else {
            throw APIError.badRequest(
                "meta.tracks has \(entries.count) entries; an album needs 1 to \(maxTracks) tracks.",
                field: "meta.tracks")
        }

        var tracks: [Track] = []
        for (index, entry) in entries.enumerated() {
            let path = "meta.tracks[\(index)]"
            guard let fields = entry as? [String: Any] else {
                throw APIError.badRequest(
                    "\(path) must be an object such as {\"title\":\"Intro\"}, not \(describe(entry)).", field: path)
            }
            tracks.append(
                Track(
                    title: try parseText(fields["title"], field: "\(path).title"),
                    artist: try parseText(fields["artist"], field: "\(path).artist")))
        }
        return tracks
    }

    /// Parses an optional string; an empty or blank string counts as absent.
    private static func parseText(_ value: Any?, field: String) throws(APIError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw APIError.badRequest("\(field) must be a string, not \(describe(value)).", field: field)
        }
        guard text.count <= maxTextLength else {
            throw APIError.badRequest(
                "\(field) is \(text.count) characters long; shorten it to at most \(maxTextLength).", field: field)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Parses `background` into its canonical form, "#RRGGBB" or "blur".
    private static func parseBackground(_ value: Any?) throws(APIError) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        let field = "meta.background"
        guard let text = value as? String else {
            throw APIError.badRequest(
                "\(field) must be a string such as \"#101010\" or \"blur\", not \(describe(value)).", field: field)
        }
        guard let background = RenderBackground(parsing: text) else {
            throw APIError.badRequest(
                "\(field) is \"\(text.prefix(40))\"; write a colour as \"#RRGGBB\" or \"#RGB\" in hex digits, "
                    + "such as \"#101010\", or write \"blur\".",
                field: field)
        }
        return background.text
    }

    private static func parseBoolean(_ value: Any?, name: String) throws(APIError) -> Bool? {
        guard let value, !(value is NSNull) else { return nil }
        let field = "meta.\(name)"
        guard let number = value as? NSNumber, isBoolean(number) else {
            throw APIError.badRequest("\(field) must be true or false, not \(describe(value)).", field: field)
        }
        return number.boolValue
    }

    private static func parseVideoQuality(_ value: Any?) throws(APIError) -> VideoQuality? {
        guard let value, !(value is NSNull) else { return nil }
        let field = "meta.videoQuality"
        let names = VideoQuality.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let text = value as? String else {
            throw APIError.badRequest("\(field) must be one of \(names), not \(describe(value)).", field: field)
        }
        guard let quality = VideoQuality(rawValue: text) else {
            throw APIError.badRequest(
                "\(field) is \"\(text.prefix(40))\"; use one of \(names).", field: field)
        }
        return quality
    }

    private static func parseSize(_ value: Any?, name: String, default fallback: Int) throws(APIError) -> Int {
        let size = try parseWholeNumber(value, name: name, range: sizeRange, default: fallback)
        guard size % 2 == 0 else {
            throw APIError.badRequest(
                "meta.\(name) is \(size), but H.264 video needs an even number; use \(size - 1) or \(size + 1).",
                field: "meta.\(name)")
        }
        return size
    }

    private static func parseWholeNumber(
        _ value: Any?, name: String, range: ClosedRange<Int>, default fallback: Int
    ) throws(APIError) -> Int {
        guard let value, !(value is NSNull) else { return fallback }

        let field = "meta.\(name)"
        guard let number = value as? NSNumber, !isBoolean(number) else {
            throw APIError.badRequest(
                "\(field) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(describe(value)).",
                field: field)
        }
        let double = number.doubleValue
        guard double.rounded() == double, let whole = Int(exactly: double) else {
            throw APIError.badRequest(
                "\(field) is \(number), but it must be a whole number from \(range.lowerBound) to \(range.upperBound).",
                field: field)
        }
        guard range.contains(whole) else {
            throw APIError.badRequest(
                "\(field) is \(whole); use a value from \(range.lowerBound) to \(range.upperBound).", field: field)
        }
        return whole
    }

    /// JSONSerialization gives `true` and `false` as NSNumbers of ObjC type `c` (char); JSON numbers never use it.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case let number as NSNumber: isBoolean(number) ? "a boolean" : "the number \(number)"
        case is [Any]: "a list"
        case is [String: Any]: "an object"
        default: "null"
        }
    }
}
