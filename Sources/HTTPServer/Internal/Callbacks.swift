import CMicroHTTPD
import Foundation

// The daemon calls these closures through C function pointers, so they capture nothing and reach their
// Swift objects through the context pointers.

/// Handles every access handler call: the first call creates the request context, later calls pass it the body.
let accessHandlerCallback: MHD_AccessHandlerCallback = {
    serverPointer, connection, url, method, _, uploadData, uploadDataSize, contextPointer in
    guard let serverPointer, let connection, let uploadDataSize, let contextPointer else {
        return .NO
    }

    if let existing = contextPointer.pointee {
        let context = Unmanaged<RequestContext>.fromOpaque(existing).takeUnretainedValue()
        return context.continueRequest(connection: connection, data: uploadData, size: uploadDataSize)
    }

    let core = Unmanaged<ServerCore>.fromOpaque(serverPointer).takeUnretainedValue()
    let request = makeRequest(
        connection: connection,
        method: method.map { String(cString: $0) } ?? "",
        path: url.map { String(cString: $0) } ?? "/"
    )
    let context = RequestContext(core: core, request: request)

    // Released in requestCompletedCallback, which the daemon calls for every request that reached the handler.
    contextPointer.pointee = Unmanaged.passRetained(context).toOpaque()
    return context.beginRequest(connection: connection)
}

/// Finishes a request, also when the client aborted, it timed out or the server stopped.
let requestCompletedCallback: MHD_RequestCompletedCallback = { _, _, contextPointer, terminationCode in
    guard let contextPointer, let pointer = contextPointer.pointee else {
        return
    }
    contextPointer.pointee = nil

    let context = Unmanaged<RequestContext>.fromOpaque(pointer).takeRetainedValue()
    context.complete(terminationCode: terminationCode)
}

let postDataIteratorCallback: MHD_PostDataIterator = {
    contextPointer, _, key, filename, contentType, _, data, offset, size in
    guard let contextPointer else {
        return .NO
    }
    let context = Unmanaged<RequestContext>.fromOpaque(contextPointer).takeUnretainedValue()
    return context.receivePostData(
        key: key,
        filename: filename,
        contentType: contentType,
        data: data,
        offset: offset,
        size: size
    )
}

let streamReaderCallback: MHD_ContentReaderCallback = { streamPointer, _, buffer, maximum in
    guard let streamPointer, let buffer else {
        return -2
    }
    let stream = Unmanaged<StreamConnection>.fromOpaque(streamPointer).takeUnretainedValue()
    return stream.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: maximum))
}

/// Releases the stream retained when its response was created.
let streamFreeCallback: MHD_ContentReaderFreeCallback = { streamPointer in
    guard let streamPointer else {
        return
    }
    let stream = Unmanaged<StreamConnection>.fromOpaque(streamPointer).takeRetainedValue()
    stream.free()
}

private let keyValueCollectorCallback: MHD_KeyValueIterator = { collectorPointer, _, key, value in
    guard let collectorPointer, let key else {
        return .YES
    }
    let collector = Unmanaged<KeyValueCollector>.fromOpaque(collectorPointer).takeUnretainedValue()
    collector.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private final class KeyValueCollector {
    var pairs: [(String, String)] = []
}

private func collectValues(connection: OpaquePointer, kind: MHD_ValueKind) -> [(String, String)] {
    let collector = KeyValueCollector()
    withExtendedLifetime(collector) {
        let pointer = Unmanaged.passUnretained(collector).toOpaque()
        _ = MHD_get_connection_values(connection, kind, keyValueCollectorCallback, pointer)
    }
    return collector.pairs
}

/// Builds the request head from the connection. The daemon has already percent-decoded the path and the query.
private func makeRequest(connection: OpaquePointer, method: String, path: String) -> HTTPRequest {
    var headers = HTTPHeaders()
    for (name, value) in collectValues(connection: connection, kind: .HEADER_KIND) {
        headers.add(name, value)
    }

    var query: [String: String] = [:]
    for (name, value) in collectValues(connection: connection, kind: .GET_ARGUMENT_KIND) where query[name] == nil {
        query[name] = value
    }

    return HTTPRequest(id: RequestIdentifier.next(), method: method, path: path, query: query, headers: headers)
}
