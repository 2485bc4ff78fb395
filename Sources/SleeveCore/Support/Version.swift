/// Sleeve's version, printed by `sleeve --version`.
public enum SleeveVersion {
    public static let current = "0.1.0"
}
