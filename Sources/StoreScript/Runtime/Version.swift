/// What `storescript --version` prints: the release, and the Lua it embeds.
public enum StoreScriptVersion {
    public static let release = "0.8.0"
    public static var text: String { "storescript \(release) (Lua 5.4)" }
}
