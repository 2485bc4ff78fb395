/// A byte range requested with the `Range` header, resolved against a known length.
///
/// libmicrohttpd 0.9.75 does not implement `Range`, so downloads parse it with this type and send 206 or 416
/// themselves.
public enum HTTPByteRange: Sendable, Equatable {
    /// The satisfiable range: send 206 with `Content-Range: bytes offset-(offset+length-1)/total`.
    case range(offset: Int64, length: Int64)

    /// No byte of the range exists: send 416 with `Content-Range: bytes */total`.
    case unsatisfiable

    /// Parses a single-range header of the form `bytes=a-b`, `bytes=a-` or `bytes=-n` against `length`.
    ///
    /// Returns nil when there is no header or when it is to be ignored, and the whole body should be sent:
    /// another unit, a syntax error, a first position after the last, or several ranges.
    public static func parse(_ header: String?, length: Int64) -> HTTPByteRange? {
        guard let header, length >= 0 else {
            return nil
        }

        let trimmed = header.trimmingSpaces()
        guard let equals = trimmed.firstIndex(of: "="),
            trimmed[..<equals].trimmingSpaces().lowercased() == "bytes"
        else {
            return nil
        }

        let specification = trimmed[trimmed.index(after: equals)...].trimmingSpaces()
        guard !specification.contains(","), let dash = specification.firstIndex(of: "-") else {
            return nil
        }

        let firstText = specification[..<dash].trimmingSpaces()
        let lastText = specification[specification.index(after: dash)...].trimmingSpaces()

        if firstText.isEmpty {
            // A suffix range: the last n bytes.
            guard let suffixLength = parsePosition(lastText) else {
                return nil
            }
            guard suffixLength > 0, length > 0 else {
                return .unsatisfiable
            }
            let count = min(suffixLength, length)
            return .range(offset: length - count, length: count)
        }

        guard let first = parsePosition(firstText) else {
            return nil
        }

        var last = length - 1
        if !lastText.isEmpty {
            guard let parsedLast = parsePosition(lastText), parsedLast >= first else {
                return nil
            }
            last = min(parsedLast, length - 1)
        }

        guard first < length else {
            return .unsatisfiable
        }
        return .range(offset: first, length: last - first + 1)
    }

    /// Returns the `Content-Range` value for this range of a body of `length` bytes.
    public func contentRange(length: Int64) -> String {
        switch self {
        case .range(let offset, let count):
            return "bytes \(offset)-\(offset + count - 1)/\(length)"
        case .unsatisfiable:
            return "bytes */\(length)"
        }
    }

    /// Parses a decimal position. Positions too large for `Int64` become `Int64.max`, which is past any length.
    private static func parsePosition(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int64(text) ?? Int64.max
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" {
            slice.removeFirst()
        }
        while let last = slice.last, last == " " || last == "\t" {
            slice.removeLast()
        }
        return String(slice)
    }
}
