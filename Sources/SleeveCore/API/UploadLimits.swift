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
    /// Free space that must remain on the data folder's file system; an upload that would leave less is
    /// answered with 507.
    public var minFreeBytes: Int64 = 512 << 20

    public init(maxFileBytes: Int64, maxTotalBytes: Int64, maxQueued: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxQueued = maxQueued
    }
}
