import CMicroHTTPD
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension HTTPResponse {
    /// The response sent when a handler or receiver fails with an error that is not an ``HTTPError``.
    static let internalServerError = HTTPResponse.error(status: 500, "internal server error")

    /// Releases what an unsent body owns: closes a file descriptor, or closes a stream body.
    func discardBody() {
        switch body {
        case .file(let descriptor, _, _):
            close(descriptor)
        case .stream(let stream):
            stream.closed()
        case .empty, .bytes:
            break
        }
    }
}

/// Queues `response` on `connection` with an `X-Request-Id` header and returns the daemon's result and the status
/// queued. The daemon owns the response afterwards.
func queue(
    _ response: HTTPResponse,
    requestId: String,
    on connection: OpaquePointer,
    core: ServerCore
) -> (result: MHD_Result, status: Int) {
    var response = response
    if !(100...999).contains(response.status) {
        response.discardBody()
        response = .internalServerError
    }

    guard let mhdResponse = makeMHDResponse(response, connection: connection, core: core) else {
        let fallback = HTTPResponse.internalServerError
        guard let fallbackResponse = makeMHDResponse(fallback, connection: connection, core: core) else {
            return (.NO, 0)
        }
        return send(fallbackResponse, status: fallback.status, headers: fallback.headers, requestId, connection)
    }
    return send(mhdResponse, status: response.status, headers: response.headers, requestId, connection)
}

private func send(
    _ mhdResponse: OpaquePointer,
    status: Int,
    headers: HTTPHeaders,
    _ requestId: String,
    _ connection: OpaquePointer
) -> (result: MHD_Result, status: Int) {
    for (name, value) in headers {
        // The daemon computes Content-Length itself and rejects a header that sets it.
        if name.lowercased() == "content-length" {
            continue
        }
        _ = MHD_add_response_header(mhdResponse, name, value)
    }
    _ = MHD_add_response_header(mhdResponse, "X-Request-Id", requestId)

    let result = MHD_queue_response(connection, UInt32(status), mhdResponse)
    MHD_destroy_response(mhdResponse)
    return (result, result == .YES ? status : 0)
}

/// Creates the daemon's response object for a body, or returns nil after releasing the body when that fails.
private func makeMHDResponse(_ response: HTTPResponse, connection: OpaquePointer, core: ServerCore) -> OpaquePointer? {
    switch response.body {
    case .empty:
        return MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)

    case .bytes(let bytes):
        guard !bytes.isEmpty else {
            return MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
        }
        return bytes.withUnsafeBytes {
            MHD_create_response_from_buffer(
                $0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
        }

    case .file(let descriptor, let offset, let length):
        guard offset >= 0, length >= 0,
            let created = MHD_create_response_from_fd_at_offset64(UInt64(length), descriptor, UInt64(offset))
        else {
            close(descriptor)
            return nil
        }
        return created

    case .stream(let body):
        let stream = StreamConnection(body: body, connection: connection, core: core)
        core.register(stream)
        body.attach(wake: { [weak stream] in stream?.wake() })

        // MHD_SIZE_UNKNOWN (UINT64_MAX) selects chunked encoding. The free callback releases this reference
        // and closes the body, also when creating the response fails.
        let pointer = Unmanaged.passRetained(stream).toOpaque()
        let blockSize = 16 * 1024
        guard
            let created = MHD_create_response_from_callback(
                UInt64.max, blockSize, streamReaderCallback, pointer, streamFreeCallback)
        else {
            streamFreeCallback(pointer)
            return nil
        }
        return created
    }
}
