/// `Content-Disposition` header values (RFC 6266 with RFC 8187 encoding for non-ASCII names).
enum ContentDisposition {
    /// Returns `attachment; filename="…"; filename*=UTF-8''…`. The plain `filename` keeps only safe printable
    /// ASCII (others become `_`), so no name can break the header; `filename*` carries the full name
    /// percent-encoded.
    static func attachment(filename: String) -> String {
        let cleaned = String(
            filename.unicodeScalars.map { scalar -> Character in
                // Control characters and path separators never reach the header or the saved file's name.
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "/" || scalar == "\\" { return "_" }
                return Character(scalar)
            })

        var ascii = ""
        for scalar in cleaned.unicodeScalars {
            ascii.append(scalar.isASCII && scalar != "\"" && scalar != "%" && scalar != ";" ? Character(scalar) : "_")
        }

        var encoded = ""
        for byte in cleaned.utf8 {
            if isAttributeCharacter(byte) {
                encoded.append(Character(UnicodeScalar(byte)))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// RFC 8187 `attr-char`: letters, digits and `!#$&+-.^_`|~`.
    private static func isAttributeCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$&+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
