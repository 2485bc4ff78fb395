import Dispatch

/// A timer that runs a closure at a fixed interval on its own serial queue until cancelled.
public final class RepeatingTimer: @unchecked Sendable {
    // A Dispatch source is safe to use from any thread; it is not marked Sendable in the Linux overlay.
    private let source: DispatchSourceTimer

    public init(label: String) {
        source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: label))
    }

    deinit {
        source.cancel()
    }

    /// Starts calling `action` every `interval` seconds, the first time after one interval.
    public func start(interval: Double, action: @escaping @Sendable () -> Void) {
        source.schedule(deadline: .now() + interval, repeating: interval)
        source.setEventHandler(handler: action)
        source.resume()
    }

    public func cancel() {
        source.cancel()
    }
}
