import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Free space of the file system that contains a folder.
public enum DiskSpace {
    /// Returns the bytes available to this process under `folder`, or nil when the file system cannot tell.
    public static func available(at folder: URL) -> Int64? {
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
