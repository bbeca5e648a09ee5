/// A credential (access token, API key). It prints as `***` everywhere: in descriptions,
/// interpolations, dumps and errors. Only the transport reads `revealed`, to set a header.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable, Equatable {
    let revealed: String

    public init(_ value: String) { revealed = value }

    public var description: String { "***" }
    public var debugDescription: String { "***" }
    public var customMirror: Mirror { Mirror(self, children: []) }
    public var isEmpty: Bool { revealed.isEmpty }

    /// Replaces every occurrence of the secret in `text` (for messages that quote a server),
    /// also as a description escapes it (`"tok\n"` in an error listing header values).
    public func redact(_ text: String) -> String {
        guard revealed.count >= 4 else { return text }
        var out = text.split(separator: revealed, omittingEmptySubsequences: false).joined(separator: "***")
        let escaped = String(revealed.debugDescription.dropFirst().dropLast())
        if escaped != revealed { out = out.split(separator: escaped, omittingEmptySubsequences: false).joined(separator: "***") }
        return out
    }
}
