/// Encoding of Server-Sent Events as the HTML standard defines the `text/event-stream` format.
public enum ServerSentEvents {
    /// Encodes one event with its id. Each line of `data` becomes its own `data:` line, so text with
    /// newlines (`\n`, `\r\n` or `\r`) arrives intact in a browser's `EventSource`.
    public static func encode(id: Int64, event: String, data: String) -> String {
        var text = "id: \(id)\nevent: \(event)\n"
        for line in lines(of: data) {
            text += "data: \(line)\n"
        }
        return text + "\n"
    }

    /// Encodes a comment line. Clients ignore it, and it keeps proxies from closing an idle stream.
    public static func comment(_ text: String) -> String {
        ": \(lines(of: text).joined(separator: " "))\n\n"
    }

    /// Tells the client how long to wait before reconnecting, in milliseconds.
    public static func retry(milliseconds: Int) -> String {
        "retry: \(milliseconds)\n\n"
    }

    private static func lines(of text: String) -> [Substring] {
        // "\r\n" is a single grapheme in Swift, so splitting on characters handles all three line endings.
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }
}
