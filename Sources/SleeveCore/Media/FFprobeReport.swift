import Foundation

/// The part of ffprobe's JSON output (`-of json -show_format -show_streams`) that the probe reads.
struct FFprobeReport: Decodable {
    struct Stream: Decodable {
        struct Disposition: Decodable {
            var attachedPicture: Int?

            enum CodingKeys: String, CodingKey {
                case attachedPicture = "attached_pic"
            }
        }

        var index: Int
        var codecType: String?
        var codecName: String?
        var sampleRate: String?
        var channels: Int?
        var width: Int?
        var height: Int?
        var pixelFormat: String?
        var disposition: Disposition?
        var tags: [String: String]?

        enum CodingKeys: String, CodingKey {
            case index
            case codecType = "codec_type"
            case codecName = "codec_name"
            case sampleRate = "sample_rate"
            case channels
            case width
            case height
            case pixelFormat = "pix_fmt"
            case disposition
            case tags
        }

        var isAttachedPicture: Bool { (disposition?.attachedPicture ?? 0) != 0 }
    }

    struct Format: Decodable {
        var formatName: String?
        var tags: [String: String]?

        enum CodingKeys: String, CodingKey {
            case formatName = "format_name"
            case tags
        }
    }

    var streams: [Stream]?
    var format: Format?

    /// Returns the first non-empty tag value named `key` (any letter case) from the format tags, then the stream tags.
    func tag(_ key: String, stream: Stream?) -> String? {
        for tags in [format?.tags, stream?.tags] {
            guard let tags else {
                continue
            }
            for (name, value) in tags where name.caseInsensitiveCompare(key) == .orderedSame {
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty {
                    return trimmed
                }
            }
        }
        return nil
    }
}
