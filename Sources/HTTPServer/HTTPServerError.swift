import Foundation

/// An error thrown by ``HTTPServer/start()``.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// The configured host.
    public let host: String

    /// The configured port.
    public let port: Int

    /// The reason, such as "Address already in use".
    public let reason: String

    /// The `errno` value behind the reason, when there is one.
    public let errorNumber: Int32?

    public var description: String {
        var text = "could not start the HTTP server on \(host):\(port): \(reason)"
        if let errorNumber {
            text += " (errno \(errorNumber))"
        }
        return text
    }
}
