/// PEM text holding several documents (a certificate and its intermediates).
public enum PEMBundle {
    /// Each `-----BEGIN label-----` ... `-----END label-----` block, in order, with its label.
    public static func blocks(_ text: String) -> [(label: String, pem: String)] {
        var out: [(String, String)] = []
        var label: String?
        var lines: [Substring] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let trimmed = line.trimmingCharacters(in: " \t")
            if label == nil, trimmed.hasPrefix("-----BEGIN "), trimmed.hasSuffix("-----") {
                label = String(trimmed.dropFirst(11).dropLast(5))
                lines = [Substring(trimmed)]
            } else if let open = label {
                lines.append(Substring(trimmed))
                if trimmed == "-----END \(open)-----" {
                    out.append((open, lines.joined(separator: "\n") + "\n"))
                    label = nil
                }
            }
        }
        return out
    }

    /// The certificates of a bundle, in order.
    public static func certificates(_ text: String) -> [String] {
        blocks(text).filter { $0.label == "CERTIFICATE" }.map(\.pem)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
