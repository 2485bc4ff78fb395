import Foundation

/// The text drawn over one track's cover, and how pango-view renders it into a transparent PNG.
///
/// ffmpeg 5.1's drawtext filter neither shapes text nor falls back to other fonts, so Arabic, Hebrew, CJK and emoji
/// would come out wrong. pango-view (Pango 1.50 with HarfBuzz and fontconfig) shapes the text, orders
/// right-to-left runs and picks a font for every character. The text reaches pango-view only inside a markup file
/// in which every markup character is escaped, so no title can change a command, a filter graph or a file path.
public struct TitleCard: Sendable, Hashable {
    public var title: String
    public var artist: String?

    public init(title: String, artist: String?) {
        self.title = Self.singleLine(title)
        self.artist = artist.map(Self.singleLine).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Font families, tried in order; fontconfig supplies any character that they lack.
    static let fontFamilies = "Noto Sans, DejaVu Sans"

    /// Builds the Pango markup document: the title in bold, then the artist in a smaller size on its own line.
    ///
    /// Sizes are in pixels; pango-view runs at 72 dpi, where one point is one pixel.
    func markup(titleSize: Int, artistSize: Int) -> String {
        var text = "<span weight=\"bold\" size=\"\(titleSize * 1024)\">\(Self.escapeMarkup(title))</span>"
        if let artist {
            text += "\n<span size=\"\(artistSize * 1024)\">\(Self.escapeMarkup(artist))</span>"
        }
        return text
    }

    /// Replaces each character of Pango markup syntax with its entity.
    static func escapeMarkup(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Replaces control characters, line breaks included, with spaces, because GMarkup rejects most of them and a
    /// line break would start a paragraph.
    static func singleLine(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { scalar -> Unicode.Scalar in
            scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
                ? " " : scalar
        }
        return String(String.UnicodeScalarView(scalars)).trimmingCharacters(in: .whitespaces)
    }
}

/// The layout of the title text in a frame, in pixels, derived from the frame size only.
struct TitleLayout: Sendable, Equatable {
    var titleSize: Int
    var artistSize: Int
    /// Width that pango-view wraps and centres the text in.
    var textWidth: Int
    /// Transparent border around the text in the PNG, which leaves room for the shadow's blur.
    var margin: Int
    /// Distance from the bottom of the frame to the bottom of the text.
    var bottomOffset: Int
    var shadowOffset: Int
    var shadowSigma: Double

    init(width: Int, height: Int) {
        titleSize = max(4, Int((Double(height) * 0.05).rounded()))
        artistSize = max(3, Int((Double(height) * 0.035).rounded()))
        textWidth = max(8, Int((Double(width) * 0.84).rounded()))
        margin = max(2, titleSize / 2)
        bottomOffset = Int((Double(height) * 0.07).rounded())
        shadowOffset = max(1, titleSize / 16)
        shadowSigma = max(1, Double(titleSize) / 8)
    }

    /// pango-view arguments (without the program name) that render `markupPath` into a transparent PNG of
    /// `textWidth + 2 × margin` pixels wide. Long text wraps to at most two lines per paragraph and then ends with
    /// an ellipsis.
    func pangoViewArguments(markupPath: String, outputPath: String) -> [String] {
        [
            "--no-display",
            "--markup",
            "--dpi=72",
            "--font=\(TitleCard.fontFamilies)",
            "--foreground=#FFFFFF",
            "--background=transparent",
            "--width=\(textWidth)",
            "--wrap=word-char",
            "--height=-2",
            "--ellipsize=end",
            "--align=center",
            "--margin=\(margin)",
            "--output=\(outputPath)",
            "--",
            markupPath,
        ]
    }
}
