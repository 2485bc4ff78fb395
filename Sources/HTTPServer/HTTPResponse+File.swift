import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension HTTPResponse {
    /// Makes a download response for the regular file at `path`, honouring a single-range `Range` header.
    ///
    /// Returns 200 with the whole file, 206 with `Content-Range` for a satisfiable range, 416 with
    /// `Content-Range: bytes */LENGTH` for an unsatisfiable one, and a JSON 404 when the file does not exist or
    /// is not a regular file. The body is sent with `sendfile` from a descriptor that the server closes.
    /// A request with `If-Range` gets the whole file, because no validator is kept to compare it with.
    public static func file(path: String, contentType: String, request: HTTPRequest) -> HTTPResponse {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let errorNumber = errno
            if errorNumber == ENOENT || errorNumber == ENOTDIR {
                return .error(status: 404, "not found")
            }
            return .error(status: 500, "could not open the file: \(String(cString: strerror(errorNumber)))")
        }

        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return .error(status: 404, "not found")
        }
        let length = Int64(status.st_size)

        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        headers.add("Accept-Ranges", "bytes")

        let rangeHeader = request.headers["If-Range"] == nil ? request.headers["Range"] : nil
        switch HTTPByteRange.parse(rangeHeader, length: length) {
        case nil:
            return HTTPResponse(
                status: 200, headers: headers, body: .file(descriptor: descriptor, offset: 0, length: length))

        case .unsatisfiable:
            close(descriptor)
            headers.add("Content-Range", HTTPByteRange.unsatisfiable.contentRange(length: length))
            return HTTPResponse(status: 416, headers: headers)

        case .range(let offset, let count):
            headers.add(
                "Content-Range", HTTPByteRange.range(offset: offset, length: count).contentRange(length: length))
            return HTTPResponse(
                status: 206, headers: headers, body: .file(descriptor: descriptor, offset: offset, length: count))
        }
    }
}
