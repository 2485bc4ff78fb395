/// Limits that `POST /api/render` enforces.
public struct UploadLimits: Sendable {
    /// Largest accepted file part, in bytes.
    public var maxFileBytes: Int64
    /// Largest accepted request body, in bytes.
    public var maxTotalBytes: Int64
    /// Largest accepted `meta` field, in bytes.
    public var maxMetaBytes: Int64 = 1 << 20
    /// Jobs that may wait in the queue; one more is answered with 429.
    public var maxQueued: Int
    /// Largest accepted cover, in pixels (width × height), which stops decompression bombs.
    public var maxImagePixels: Int = 100_000_000

    public init(maxFileBytes: Int64, maxTotalBytes: Int64, maxQueued: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxQueued = maxQueued
    }
}
