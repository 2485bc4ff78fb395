import Foundation
import Synchronization

/// Combines the progress of a render's ffmpeg runs into ordered `RenderEvent`s.
///
/// Each part (clip encodes, the loudness measurement, the audio pass, the mux) reports a completed fraction, and the
/// overall percent is the weighted sum from the plan. Events are delivered while the lock is held, so they arrive in
/// order even though several ffmpeg processes report from different threads. Percent never decreases and stays below
/// 100 until `finish()`.
final class RenderProgress: Sendable {
    private struct State {
        var clipFractions: [Double]
        var measurementFraction = 0.0
        var audioFraction = 0.0
        var muxFraction = 0.0
        var lastPercent = 0.0
        var lastProgressEmission: ContinuousClock.Instant?
        var nextSegment = 0
    }

    /// Shortest interval between two `.progress` events.
    static let minimumInterval: Duration = .milliseconds(250)

    private let state: Mutex<State>
    private let clipWeights: [Double]
    private let measurementWeight: Double
    private let audioWeight: Double
    private let muxWeight: Double
    private let totalWeight: Double
    private let trackStarts: [Double]
    private let onEvent: @Sendable (RenderEvent) -> Void

    init(plan: RenderPlan, onEvent: @escaping @Sendable (RenderEvent) -> Void) {
        clipWeights = plan.clips.map(\.weight)
        measurementWeight = plan.measurementWeight
        audioWeight = plan.audioWeight
        muxWeight = plan.muxWeight
        totalWeight = max(plan.totalWeight, 0.001)
        trackStarts = plan.tracks.map(\.start)
        self.onEvent = onEvent
        state = Mutex(State(clipFractions: Array(repeating: 0, count: plan.clips.count)))
    }

    func log(_ line: String) {
        guard !Self.isNoise(line) else { return }
        state.withLock { _ in onEvent(.log(line)) }
    }

    /// ffmpeg 5.1 warnings that common, valid inputs produce and that need no action. They come from a mono WAV
    /// without a channel layout, a VBR MP3 without a Xing header (Sleeve measures durations by decoding), a JPEG
    /// read through image2pipe, and swscale given a full-range JPEG, which it still converts correctly.
    static let noisePatterns = [
        "Guessed Channel Layout", "Estimating duration from bitrate", "EOI missing, emulating",
        "deprecated pixel format used",
    ]

    static func isNoise(_ line: String) -> Bool {
        noisePatterns.contains { line.contains($0) }
    }

    func updateClip(_ index: Int, fraction: Double) {
        state.withLock { state in
            state.clipFractions[index] = clamp(fraction)
            emitProgress(&state, force: false)
        }
    }

    /// Records the fraction of the loudness measurement that is done.
    func updateMeasurement(fraction: Double) {
        state.withLock { state in
            state.measurementFraction = clamp(fraction)
            emitProgress(&state, force: false)
        }
    }

    /// Records the audio pass's output time and emits `.segment` for every track whose start it has reached.
    func updateAudio(outputTime: Double, totalDuration: Double) {
        state.withLock { state in
            state.audioFraction = clamp(outputTime / max(totalDuration, 0.001))
            emitSegments(&state, upTo: outputTime)
            emitProgress(&state, force: false)
        }
    }

    /// Emits `.segment` for every track not yet announced.
    func finishSegments() {
        state.withLock { state in
            emitSegments(&state, upTo: .infinity)
        }
    }

    func beginConcat() {
        state.withLock { state in
            emitSegments(&state, upTo: .infinity)
            for index in state.clipFractions.indices {
                state.clipFractions[index] = 1
            }
            state.measurementFraction = 1
            state.audioFraction = 1
            let percent = advance(&state)
            onEvent(.concat(percent: percent))
        }
    }

    func updateMux(fraction: Double) {
        state.withLock { state in
            state.muxFraction = clamp(fraction)
            emitProgress(&state, force: false)
        }
    }

    func finish() {
        state.withLock { state in
            state.lastPercent = 100
            onEvent(.progress(percent: 100))
        }
    }

    // MARK: - Private

    private func emitSegments(_ state: inout State, upTo time: Double) {
        while state.nextSegment < trackStarts.count && trackStarts[state.nextSegment] <= time {
            let percent = advance(&state)
            onEvent(.segment(index: state.nextSegment, total: trackStarts.count, percent: percent))
            state.nextSegment += 1
        }
    }

    private func emitProgress(_ state: inout State, force: Bool) {
        let previous = state.lastPercent
        let percent = advance(&state)
        let now = ContinuousClock.now
        if let last = state.lastProgressEmission, !force, now - last < Self.minimumInterval {
            return
        }
        guard percent > previous || force else {
            return
        }
        state.lastProgressEmission = now
        onEvent(.progress(percent: percent))
    }

    /// Recomputes the weighted percent, keeps it from decreasing and below 100, and returns it.
    private func advance(_ state: inout State) -> Double {
        var done =
            measurementWeight * state.measurementFraction + audioWeight * state.audioFraction
            + muxWeight * state.muxFraction
        for (weight, fraction) in zip(clipWeights, state.clipFractions) {
            done += weight * fraction
        }
        let percent = min(99.9, 100 * done / totalWeight)
        state.lastPercent = max(state.lastPercent, percent)
        return state.lastPercent
    }

    private func clamp(_ value: Double) -> Double {
        value.isFinite ? min(1, max(0, value)) : 0
    }
}
