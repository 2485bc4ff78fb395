/// The head of a request: everything that arrives before the body.
public struct HTTPRequest: Sendable {
    /// A short identifier that is unique within the process and is sent back in the `X-Request-Id` header.
    public let id: String

    /// The method in upper case as sent, such as "GET".
    public let method: String

    /// The percent-decoded path without the query, such as "/api/render/abc/log".
    public let path: String

    /// The percent-decoded query arguments. A repeated name keeps its first value, and a name without "=" maps to "".
    public let query: [String: String]

    /// The request header fields in the order received.
    public let headers: HTTPHeaders

    public init(id: String, method: String, path: String, query: [String: String], headers: HTTPHeaders) {
        self.id = id
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The value of `Content-Length`, or nil when the header is missing or not a non-negative integer.
    public var contentLength: Int64? {
        guard let text = headers["Content-Length"], let value = Int64(text), value >= 0 else {
            return nil
        }
        return value
    }
}
