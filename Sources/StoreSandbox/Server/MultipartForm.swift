import JSON
import StoreAPI

/// A `multipart/form-data` body (RFC 7578), as the upload operations receive it: text fields
/// and files. Only what clients send is read: a `name`, an optional `filename` and
/// `Content-Type` per part; no nested multiparts, no transfer encodings.
struct MultipartForm {
    struct Part: Sendable {
        let name: String
        let filename: String?
        let contentType: String?
        let data: [UInt8]

        /// What the log and the store keep of a file: its name, size, type and an FNV-1a
        /// checksum (tests compare it with the file they sent).
        var summary: JSON {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in data { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            let hex = String(hash, radix: 16)
            return .object(JSONObject([
                ("filename", .string(filename ?? "")), ("size", .int(Int64(data.count))),
                ("content_type", .string(contentType ?? "application/octet-stream")),
                ("fnv1a", .string(String(repeating: "0", count: 16 - hex.count) + hex)),
            ]))
        }
    }

    let parts: [Part]

    /// Nil when the body is not a well-formed form with the boundary its Content-Type names.
    init?(_ body: [UInt8], contentType: String) {
        // RFC 2046: a boundary is 1 to 70 characters.
        guard let b = MultipartForm.parameter("boundary", of: contentType), !b.isEmpty, b.utf8.count <= 70 else { return nil }
        let delimiter = Array(("--" + b).utf8)
        var parts: [Part] = []
        guard var i = MultipartForm.find(delimiter, in: body, from: 0) else { return nil }
        while true {
            i += delimiter.count
            if body[i...].starts(with: Array("--".utf8)) { break }  // the closing delimiter
            guard body[i...].starts(with: [13, 10]) else { return nil }
            i += 2
            guard let headerEnd = MultipartForm.find([13, 10, 13, 10], in: body, from: i),
                  let next = MultipartForm.find([13, 10] + delimiter, in: body, from: headerEnd + 4) else { return nil }
            let headers = String(decoding: body[i..<headerEnd], as: UTF8.self)
            var name: String?
            var filename: String?
            var type: String?
            for line in headers.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { return nil }
                let value = String(pair[1].drop { $0 == " " })
                switch pair[0].lowercased() {
                case "content-disposition":
                    name = MultipartForm.parameter("name", of: value)
                    filename = MultipartForm.parameter("filename", of: value)
                case "content-type": type = value
                default: break
                }
            }
            guard let name else { return nil }
            parts.append(Part(name: name, filename: filename, contentType: type, data: Array(body[(headerEnd + 4)..<next])))
            i = next + 2
        }
        self.parts = parts
    }

    /// The files, by field.
    var files: [Part] { parts.filter { $0.filename != nil } }

    /// The text fields as a JSON object, each typed as the operation's JSON schema types it
    /// (`"true"` becomes true for a boolean field).
    func object(schema: BodySchema?) -> JSONObject {
        var o = JSONObject()
        for p in parts where p.filename == nil {
            let text = String(decoding: p.data, as: UTF8.self)
            switch schema?.properties?[p.name]?.type {
            case "integer": o[p.name] = Int64(text).map(JSON.int) ?? .string(text)
            case "number": o[p.name] = Double(text).map(JSON.double) ?? .string(text)
            case "boolean": o[p.name] = text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
            default: o[p.name] = .string(text)
            }
        }
        return o
    }

    /// `name="value"` (or unquoted) in a header value.
    static func parameter(_ name: String, of header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingSpaces.lowercased() == name else { continue }
            var v = kv[1].trimmingSpaces
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = v.dropFirst().dropLast() }
            return String(v)
        }
        return nil
    }

    /// Where `needle` first starts in `haystack` at or after `start`: Knuth-Morris-Pratt, so a
    /// body of dashes and a boundary of dashes cost the body's length, not its length times the
    /// boundary's.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var fallback = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in needle.indices.dropFirst() {
            while k > 0 && needle[i] != needle[k] { k = fallback[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            fallback[i] = k
        }
        var matched = 0
        for i in start..<haystack.count {
            while matched > 0 && haystack[i] != needle[matched] { matched = fallback[matched - 1] }
            if haystack[i] == needle[matched] { matched += 1 }
            if matched == needle.count { return i - needle.count + 1 }
        }
        return nil
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
