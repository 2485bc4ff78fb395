import HTTPServer

/// An error meant for the client: a status and a message that names the value and the fix, sent as
/// `{"error": "…", "field": "…"}`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// The form field or `meta` path the error is about, such as `audio_2` or `meta.tracks[0].title`.
    public var field: String?
    public var headers: [String: String] = [:]

    public init(status: Int, _ message: String, field: String? = nil, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    public var description: String { message }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 400, message, field: field)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, message)
    }

    var response: HTTPResponse {
        var body: [String: String] = ["error": message]
        body["field"] = field
        var response = HTTPResponse.json(status: status, body)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            response.headers.add(name, value)
        }
        return response
    }
}
