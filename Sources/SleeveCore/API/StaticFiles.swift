import Foundation
import HTTPServer

/// Serves the web page's files from one folder. Only plain names within the folder are served: a path with
/// `..`, a hidden name or a missing file is a 404.
struct StaticFiles {
    let folder: URL?

    private static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "json": "application/json; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
    ]

    func response(for path: String) throws(APIError) -> HTTPResponse {
        let relative = path == "/" ? "index.html" : String(path.dropFirst())
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard let folder, !parts.isEmpty,
            parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") }),
            let type = Self.contentTypes[(relative as NSString).pathExtension.lowercased()]
        else {
            throw APIError.notFound("Nothing is served at \(path).")
        }

        let url = folder.appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw APIError.notFound("Nothing is served at \(path).")
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", type)
        headers.add("Cache-Control", "no-cache")
        headers.add("X-Content-Type-Options", "nosniff")
        return HTTPResponse(status: 200, headers: headers, body: .bytes([UInt8](data)))
    }
}
