import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Calls a closure once when the process receives SIGINT or SIGTERM, instead of the default of dying at once.
final class InterruptWatcher: @unchecked Sendable {
    // Dispatch sources are thread-safe; they are not marked Sendable in the Linux overlay.
    private let sources: [DispatchSourceSignal]

    init(onInterrupt: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "sleeve.interrupt")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: onInterrupt)
            source.resume()
            return source
        }
    }

    func stop() {
        sources.forEach { $0.cancel() }
    }
}
