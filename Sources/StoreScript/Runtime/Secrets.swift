import Synchronization

/// The secrets this process holds — the stores' access tokens and DigiCert keys as the
/// configuration resolved them, the sandbox's token — and the one redaction every written line
/// goes through (Console, `log.*`, `call`'s errors, warnings): a secret shows as `***`, a PEM
/// private key as `<private key>`, whoever built the text and however it got there (a server's
/// answer quoting a header, a script's `error(key)`).
public enum Secrets {
    private static let known = Mutex<[[UInt8]]>([])

    /// Remembers a secret (and the forms a message may quote it in); a short one (under six
    /// bytes) is not, as it would mask ordinary words.
    public static func register(_ secret: String) {
        var forms = [Array(secret.utf8)]
        // As Swift's and JSON's descriptions escape it (`"tok\n"`), in case a message quotes one.
        let escaped = String(secret.debugDescription.dropFirst().dropLast())
        if escaped != secret { forms.append(Array(escaped.utf8)) }
        known.withLock { list in
            for form in forms where form.count >= 6 && !list.contains(form) { list.append(form) }
            list.sort { $0.count > $1.count } // the longest first: one never leaves part of another
        }
    }

    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let out = redact(bytes)
        return out == bytes ? text : String(decoding: out, as: UTF8.self)
    }

    public static func redact(_ bytes: [UInt8]) -> [UInt8] {
        var out = redactPrivateKeys(bytes)
        for secret in known.withLock({ $0 }) { out = replace(secret, in: out, with: Array("***".utf8)) }
        return out
    }

    /// Whether `text` holds a secret or a private key (the REPL keeps such a line out of its history).
    public static func holdsSecret(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return redact(bytes) != bytes
    }

    private static let begin = Array("-----BEGIN ".utf8), keyMark = Array("PRIVATE KEY-----".utf8), end = Array("-----END ".utf8)

    /// Every PEM private key block (`-----BEGIN ... PRIVATE KEY-----` to its END line, or to the
    /// end of the text when cut short) as `<private key>`.
    static func redactPrivateKeys(_ bytes: [UInt8]) -> [UInt8] {
        guard find(keyMark, in: bytes, from: 0) != nil else { return bytes }
        var out: [UInt8] = []
        var i = 0
        while let start = find(begin, in: bytes, from: i) {
            guard let lineEnd = find(Array("-----".utf8), in: bytes, from: start + begin.count),
                  bytes[..<(lineEnd + 5)].suffix(keyMark.count).elementsEqual(keyMark) else {
                out += bytes[i..<(start + begin.count)]
                i = start + begin.count
                continue
            }
            out += bytes[i..<start] + Array("<private key>".utf8)
            if let close = find(end, in: bytes, from: lineEnd + 5), let closeEnd = find(keyMark, in: bytes, from: close) {
                i = closeEnd + keyMark.count
            } else {
                i = bytes.count
            }
        }
        return out + bytes[i...]
    }

    private static func replace(_ needle: [UInt8], in bytes: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard var at = find(needle, in: bytes, from: 0) else { return bytes }
        var out: [UInt8] = []
        var i = 0
        while true {
            out += bytes[i..<at] + replacement
            i = at + needle.count
            guard let next = find(needle, in: bytes, from: i) else { break }
            at = next
        }
        return out + bytes[i...]
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= bytes.count - needle.count {
            if bytes[i] == first && bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
