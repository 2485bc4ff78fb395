import Synchronization

/// Wakes tasks that wait for work. A notification while no task waits is kept, so the next wait returns at once.
final class WakeSignal: Sendable {
    private struct State {
        var isPending = false
        var nextToken: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Wakes every waiting task, or the next one to wait.
    func notify() {
        let waiters = state.withLock { state in
            let waiters = state.waiters.values
            state.waiters = [:]
            if waiters.isEmpty {
                state.isPending = true
            }
            return Array(waiters)
        }
        waiters.forEach { $0.resume() }
    }

    /// Waits until ``notify()`` is called, `timeout` passes or the task is cancelled.
    func wait(timeout: Duration) async {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.resume(token)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.isPending || Task.isCancelled {
                        state.isPending = false
                        return true
                    }
                    state.waiters[token] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                }
            }
        } onCancel: {
            self.resume(token)
        }
        timer.cancel()
    }

    private func resume(_ token: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
        waiter?.resume()
    }
}
