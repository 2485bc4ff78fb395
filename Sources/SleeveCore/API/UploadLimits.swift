/// Limits that `POST /api/render` enforces.
public struct UploadLimits: Sendable {
    /// Largest accepted file part, in bytes.
    public var maxFileBytes: Int64
    /// Largest accepted request body, in bytes.
    public var maxTotalBytes: Int64
    /// Largest accepted `meta` field, in bytes.
    public var maxMetaBytes: Int64 = 1 << 20
    /// Jobs that may wait in the queue. The upload of one more gets 429.
    public var maxQueued: Int
    /// Largest accepted cover, in pixels (width × height), which stops decompression bombs.
    public var maxImagePixels: Int = 100_000_000
    /// Longest accepted track, in seconds.
    public var maxTrackSeconds: Double = 4 * 3600
    /// Longest accepted album (all tracks together), in seconds.
    public var maxAlbumSeconds: Double = 12 * 3600
    /// Free space that must remain on the data folder's file system. An upload that would leave less gets 507.
    public var minFreeBytes: Int64 = 512 << 20

    public init(maxFileBytes: Int64, maxTotalBytes: Int64, maxQueued: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxQueued = maxQueued
    }
}
