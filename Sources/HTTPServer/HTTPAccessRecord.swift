/// A summary of one completed request, passed to the access log callback.
public struct HTTPAccessRecord: Sendable {
    public let requestId: String
    public let method: String
    public let path: String

    /// The status of the response sent, or 0 when the connection closed before a response was queued.
    public let status: Int

    /// The time from the arrival of the request head until the request completed, including the time spent
    /// sending the body.
    public let durationSeconds: Double

    /// The number of request body bytes read.
    public let bytesReceived: Int64

    /// Why the request failed on the server side, when it did: an error thrown by a body receiver that is not
    /// an ``HTTPError``, a malformed body, a body over the drain limit, or a connection that ended early.
    public let errorDescription: String?
}
