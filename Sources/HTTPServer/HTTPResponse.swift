import Foundation

/// A response status, header fields and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    /// The source of a response body.
    public enum Body: Sendable {
        case empty
        case bytes([UInt8])

        /// A region of an open file, sent with `sendfile`. The server takes ownership of the descriptor and
        /// closes it, also when the response is never sent.
        case file(descriptor: Int32, offset: Int64, length: Int64)

        /// A body of unknown length produced over time, sent with chunked transfer encoding.
        case stream(any HTTPStreamBody)
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Makes a response with `object` encoded as JSON and `Content-Type: application/json; charset=utf-8`.
    /// An object that fails to encode gives a 500 response with a JSON error instead.
    public static func json(status: Int, _ object: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json; charset=utf-8")
        do {
            let data = try encoder.encode(object)
            return HTTPResponse(status: status, headers: headers, body: .bytes(Array(data)))
        } catch {
            let fallback = #"{"error":"internal server error"}"#
            return HTTPResponse(status: 500, headers: headers, body: .bytes(Array(fallback.utf8)))
        }
    }

    /// Makes a response with a text body.
    public static func text(
        status: Int,
        _ text: String,
        contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        return HTTPResponse(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// Makes a JSON response of the form `{"error": message}`.
    public static func error(status: Int, _ message: String) -> HTTPResponse {
        json(status: status, ["error": message])
    }
}

/// An error that carries the response to send. Receivers throw it to end a request with that response.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var response: HTTPResponse

    public init(_ response: HTTPResponse) {
        self.response = response
    }

    /// Makes an error whose response is `{"error": message}` with `status`.
    public init(status: Int, _ message: String) {
        self.response = .error(status: status, message)
    }

    public var description: String {
        "HTTPError(status: \(response.status))"
    }
}

/// The result of ``HTTPStreamBody/read(into:)``.
public enum HTTPStreamRead: Sendable {
    /// This many bytes, more than 0, were written to the start of the buffer.
    case bytes(Int)

    /// Nothing is available now: the server suspends the connection until the body calls its wake closure.
    case wait

    /// The body is complete.
    case end
}

/// A response body produced over time, such as Server-Sent Events.
///
/// The server calls ``read(into:)`` on a server thread. After it returns ``HTTPStreamRead/wait`` the server
/// suspends the connection, and the body calls the wake closure from ``attach(wake:)`` on any thread when it
/// has more to send. A wake that arrives before or during the suspension is not lost. While a connection is
/// suspended the server checks about once a second whether the client has closed it.
public protocol HTTPStreamBody: AnyObject, Sendable {
    /// Stores the wake closure. Called once, before the first read.
    func attach(wake: @escaping @Sendable () -> Void)

    /// Writes the next bytes into `buffer`. A result of `.bytes(0)` is treated as `.wait`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> HTTPStreamRead

    /// Releases the body. Called once when the response is freed: finished, client gone or server stopped.
    /// The wake closure does nothing afterwards.
    func closed()
}
