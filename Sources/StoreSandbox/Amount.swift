import JSON

/// Amounts as BigCommerce writes them in strings: four decimals ("42.5000"), in v2 answers
/// and the catalog summary.
enum Amount {
    static func decimal(_ d: Double) -> String {
        // A sum past what an Int64 of ten-thousandths holds prints as it is (no trap on request values).
        guard d.isFinite, abs(d) < 9e14 else { return JSON.double(d).text }
        let cents = Int64((d * 10000).rounded())
        let frac = String(abs(cents) % 10000)
        return "\(cents < 0 ? "-" : "")\(abs(cents) / 10000).\(String(repeating: "0", count: 4 - frac.count))\(frac)"
    }

    /// v2 money: rounded to cents, written with four decimals.
    static func money(_ value: Double) -> JSON { .string(decimal((value * 100).rounded() / 100)) }
}
