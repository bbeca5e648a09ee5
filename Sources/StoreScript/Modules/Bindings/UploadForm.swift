#if canImport(Glibc)
import Glibc
#endif
import LuaKit
import StoreAPI
import StoreClient

/// The upload operations take their file in a form field (`bc.themes.upload{file = "theme.zip"}`,
/// `bc.catalog.products.images.create(id, {image_file = "front.jpg", is_thumbnail = true})`):
/// a payload that fills such a field is sent as multipart/form-data, any other as JSON (an
/// `image_url` needs no file). The field's value is a local path, or
/// `{filename = "logo.png", content = bytes}` for content already in memory.
enum UploadForm {
    static let maxFileBytes = 64 * 1024 * 1024

    /// The fields of `op` that carry a file; empty for all but the upload operations.
    static func fileFields(_ op: Operation) -> [String] {
        op.method == .GET || op.method == .DELETE ? [] : BodySchemaTable.entry(for: op)?.uploadFields ?? []
    }

    /// The form, or nil when the payload fills none of `fields`.
    static func make(_ fields: [String], payload: LuaValue, name: String) throws -> MultipartBody? {
        guard case .table(let table) = payload,
              fields.contains(where: { table.fields[.string(LuaString($0))] != nil }) else { return nil }
        var form = MultipartBody()
        for (key, value) in table.fields.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            guard case .string(let k) = key else {
                throw LuaError(.argument, "\(name): payload: a form's keys must be strings, got \(key.typeName)")
            }
            let field = k.text
            if fields.contains(field) {
                let (filename, type, data) = try file(value, field: field, name: name)
                form.add(file: field, filename: filename, contentType: type, data: data)
                continue
            }
            switch value {
            case .string(let s): form.add(field: field, value: s.text)
            case .integer(let i): form.add(field: field, value: String(i))
            case .number(let d) where d.isFinite: form.add(field: field, value: String(d))
            case .boolean(let b): form.add(field: field, value: b ? "true" : "false")
            default:
                throw LuaError(.argument, "\(name): payload.\(field): a form field must be a string, number or boolean, got \(value.typeName)")
            }
        }
        return form
    }

    /// A path, or `{filename =, content =, content_type =}`.
    private static func file(_ value: LuaValue, field: String, name: String) throws -> (String, String?, [UInt8]) {
        switch value {
        case .string(let path):
            let data = try read(path.text, field: field, name: name)
            return (String(path.text.split(separator: "/").last ?? Substring(path.text)), nil, data)
        case .table(let t):
            guard case .string(let content)? = t.fields[.string("content")] else {
                throw LuaError(.argument, "\(name): payload.\(field): expected a file path or {filename = ..., content = ...}, a table without content")
            }
            guard case .string(let filename)? = t.fields[.string("filename")], !filename.bytes.isEmpty else {
                throw LuaError(.argument, "\(name): payload.\(field): {content = ...} needs a filename (such as \"logo.png\")")
            }
            var type: String?
            if case .string(let s)? = t.fields[.string("content_type")] { type = s.text }
            return (filename.text, type, content.bytes)
        default:
            throw LuaError(.argument, "\(name): payload.\(field): expected a file path or {filename = ..., content = ...}, got \(value.typeName)")
        }
    }

    private static func read(_ path: String, field: String, name: String) throws -> [UInt8] {
        func failure(_ why: String) -> LuaError { LuaError(.runtime, "\(name): payload.\(field): cannot read \(path): \(why)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw failure("not a regular file") }
        guard Int(info.st_size) <= maxFileBytes else { throw failure("larger than 64 MB") }
        let size = Int(info.st_size)
        var data = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let offset = done
            let n = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, size - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure(n == 0 ? "the file shrank while read" : String(cString: strerror(errno))) }
            done += n
        }
        return data
    }
}
