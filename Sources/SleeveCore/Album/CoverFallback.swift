/// The rule for tracks without a cover of their own: such a track shows the cover of the nearest earlier track
/// that has one, or else of the nearest later one.
public enum CoverFallback {
    /// Fills each nil entry of `covers` by the rule; returns nil when no entry has a cover.
    public static func resolve<Cover>(_ covers: [Cover?]) -> [Cover]? {
        guard covers.contains(where: { $0 != nil }) else { return nil }

        return covers.indices.map { index in
            if let own = covers[index] { return own }
            let earlier = covers[..<index].last { $0 != nil } ?? nil
            let later = covers[(index + 1)...].first { $0 != nil } ?? nil
            return (earlier ?? later)!
        }
    }
}
