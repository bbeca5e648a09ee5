#if canImport(Glibc)
import Glibc
#endif

/// Instants as the API writes them, read back as epoch seconds so that dates compare as
/// times: RFC 3339 (`2024-05-14T09:34:00+02:00`, `...Z`, with or without fractions or a
/// zone), a bare date (`2024-05-14`), RFC 2822 as v2 writes it (`Tue, 14 May 2024 09:34:00
/// +0000`), or epoch seconds.
enum Instant {
    static func seconds(_ text: String) -> Int64? {
        let s = Array(text.utf8)
        guard !s.isEmpty else { return nil }
        if s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || (s.first == 0x2D && s.count > 1 && s.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })) {
            return Int64(text)
        }
        if let t = rfc3339(s) { return t }
        return rfc2822(text)
    }

    /// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func number(_ s: [UInt8], _ from: Int, _ count: Int) -> Int64? {
        guard from + count <= s.count else { return nil }
        var n: Int64 = 0
        for c in s[from..<from + count] {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            n = n * 10 + Int64(c - 0x30)
        }
        return n
    }

    private static func rfc3339(_ s: [UInt8]) -> Int64? {
        guard s.count >= 10, s[4] == 0x2D, s[7] == 0x2D, let y = number(s, 0, 4), let mo = number(s, 5, 2), let d = number(s, 8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var t = days(year: y, month: mo, day: d) * 86_400
        guard s.count > 10 else { return t }
        guard s[10] == 0x54 || s[10] == 0x74 || s[10] == 0x20, let h = number(s, 11, 2), s.count >= 16, s[13] == 0x3A,
              let mi = number(s, 14, 2), h < 24, mi < 60 else { return nil }
        t += h * 3600 + mi * 60
        var i = 16
        if i < s.count, s[i] == 0x3A {
            guard let sec = number(s, 17, 2), sec <= 60 else { return nil }
            t += sec
            i = 19
        }
        if i < s.count, s[i] == 0x2E {
            i += 1
            while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
        }
        guard i < s.count else { return t }
        switch s[i] {
        case 0x5A, 0x7A: return i + 1 == s.count ? t : nil
        case 0x2B, 0x2D:
            guard let oh = number(s, i + 1, 2) else { return nil }
            var j = i + 3
            if j < s.count, s[j] == 0x3A { j += 1 }
            let om = number(s, j, 2) ?? 0
            if number(s, j, 2) != nil { j += 2 }
            guard j == s.count else { return nil }
            let offset = oh * 3600 + om * 60
            return s[i] == 0x2B ? t - offset : t + offset
        default: return nil
        }
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `Tue, 14 May 2024 09:34:00 +0000` (the weekday is optional).
    private static func rfc2822(_ text: String) -> Int64? {
        var words = text.split(separator: " ").map(String.init)
        if let first = words.first, first.hasSuffix(",") { words.removeFirst() }
        guard words.count >= 4, let d = Int64(words[0]), let mo = months.firstIndex(of: words[1].lowercased()),
              let y = Int64(words[2]) else { return nil }
        let clock = words[3].split(separator: ":").compactMap { Int64($0) }
        guard clock.count >= 2 else { return nil }
        var t = days(year: y, month: Int64(mo + 1), day: d) * 86_400 + clock[0] * 3600 + clock[1] * 60 + (clock.count > 2 ? clock[2] : 0)
        if words.count > 4, let zone = Int64(words[4]) {
            let offset = (abs(zone) / 100) * 3600 + (abs(zone) % 100) * 60
            t += zone < 0 ? offset : -offset
        }
        return t
    }
}
