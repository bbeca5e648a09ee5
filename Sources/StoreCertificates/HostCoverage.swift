/// Whether a certificate's names cover a host, as RFC 6125 says: DNS names of the subject
/// alternative names (the common name only when there are none), case-insensitive, a
/// wildcard only as the whole leftmost label, standing for exactly one label.
public enum HostCoverage {
    public static func covers(names: [String], commonName: String?, host: String) -> Bool {
        let candidates = names.isEmpty ? [commonName].compactMap { $0 } : names
        let host = normalized(host)
        guard !host.isEmpty else { return false }
        return candidates.contains { matches(pattern: normalized($0), host: host) }
    }

    static func matches(pattern: String, host: String) -> Bool {
        guard pattern.hasPrefix("*.") else { return pattern == host }
        let rest = pattern.dropFirst(2)
        // `*.com` and `*.*.example.com` cover nothing: at least two labels after the wildcard.
        guard rest.contains("."), !rest.contains("*") else { return false }
        guard let dot = host.firstIndex(of: "."), dot != host.startIndex else { return false }
        return host[host.index(after: dot)...] == rest
    }

    /// Lowercased, without a trailing dot, a scheme, a port or a path (`https://Shop.Example.com:443/` → `shop.example.com`).
    public static func normalized(_ text: String) -> String {
        var s = Substring(text.lowercased())
        if let scheme = s.firstRange(of: "://") { s = s[scheme.upperBound...] }
        if let slash = s.firstIndex(of: "/") { s = s[..<slash] }
        if let colon = s.firstIndex(of: ":") { s = s[..<colon] }
        if s.hasSuffix(".") { s = s.dropLast() }
        return String(s)
    }
}
