/// The server's next step for a request, chosen by its handler from the head.
public enum HTTPAction {
    /// Sends the response after the server reads and discards the request body.
    ///
    /// The connection stays open for the next request. A body longer than
    /// ``HTTPServerConfiguration/maxDrainBytes`` is not read. When `Content-Length` announces such a body, the
    /// response is sent at once and the connection then closes. When the length is unknown, the connection
    /// closes without a response once the limit is crossed.
    case respond(HTTPResponse)

    /// Sends the response at once, without reading the body, and then closes the connection.
    case reject(HTTPResponse)

    /// Streams the request body to the receiver, which produces the response.
    case receiveBody(any HTTPBodyReceiver)
}

/// The application side of an ``HTTPServer``.
public protocol HTTPHandler: Sendable {
    /// Chooses the action for a request. Called once per request when the head has arrived, on a server thread,
    /// so it must not block.
    func handle(_ request: HTTPRequest) -> HTTPAction
}

/// A consumer of a request body as it arrives.
///
/// A `multipart/form-data` body is delivered part by part, each between ``beginPart(name:filename:contentType:)``
/// and ``endPart()``. Any other body is delivered as one part named "" with the request's `Content-Type`.
/// Calls for one request come from one thread at a time, in order, and exactly one of ``finish()`` or
/// ``cancel()`` is called at the end.
///
/// A method that throws ``HTTPError`` makes the server send that error's response, and any other error becomes
/// a 500 response. The server first reads and discards the rest of the body when it is at most
/// ``HTTPServerConfiguration/maxDrainBytes`` long. A longer rest is not read, so the connection closes: after
/// the response when the error came before any body byte was read, and without a response otherwise.
public protocol HTTPBodyReceiver: AnyObject {
    func beginPart(name: String, filename: String?, contentType: String?) throws
    func receive(_ bytes: UnsafeRawBufferPointer) throws
    func endPart() throws

    /// Returns the response to send. Called when the whole body arrived and no method threw.
    func finish() -> HTTPResponse

    /// Releases what the receiver holds, such as partial files. Called when the request ends without
    /// ``finish()``: a method threw, the client went away, the body was malformed, or the server stopped.
    func cancel()
}
