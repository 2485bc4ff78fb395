#if canImport(Glibc)
    import Glibc
#endif

/// The process's limit on open file descriptors.
public enum FileLimit {
    /// Raises the soft limit on open descriptors to the hard limit, so that thousands of clients fit. Returns
    /// the soft limit in force afterwards.
    @discardableResult
    public static func raiseToMaximum() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                limit = raised
            }
        }
        return UInt64(limit.rlim_cur)
    }
}
