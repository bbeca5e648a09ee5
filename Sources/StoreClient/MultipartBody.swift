/// A `multipart/form-data` body (RFC 7578) for the upload operations: text fields and files.
public struct MultipartBody: Sendable {
    public private(set) var bytes: [UInt8] = []
    public let boundary: String

    public init() {
        var random = SystemRandomNumberGenerator()
        boundary = "storescript-" + (0..<4).map { _ in String(random.next() as UInt32, radix: 36) }.joined()
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func add(field name: String, value: String) {
        part(name: name, filename: nil, contentType: nil, data: Array(value.utf8))
    }

    public mutating func add(file name: String, filename: String, contentType: String? = nil, data: [UInt8]) {
        part(name: name, filename: filename, contentType: contentType ?? MultipartBody.mediaType(of: filename), data: data)
    }

    /// The body with its closing delimiter.
    public var finished: [UInt8] { bytes + Array("--\(boundary)--\r\n".utf8) }

    private mutating func part(name: String, filename: String?, contentType: String?, data: [UInt8]) {
        var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(MultipartBody.quoted(name))\""
        if let filename { head += "; filename=\"\(MultipartBody.quoted(filename))\"" }
        head += "\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        bytes += Array((head + "\r\n").utf8) + data + [13, 10]
    }

    /// Quotes and line breaks cannot be escaped in these headers (RFC 7578 4.2): percent-encode them.
    static func quoted(_ s: String) -> String {
        s.replacingOccurrences("\"", "%22").replacingOccurrences("\r", "%0D").replacingOccurrences("\n", "%0A")
    }

    /// By extension: the types BigCommerce accepts (zip themes, GIF/JPEG/PNG images).
    public static func mediaType(of filename: String) -> String {
        let ext = filename.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "zip": return "application/zip"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        default: return "application/octet-stream"
        }
    }
}

private extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
