import JSON
import StoreAPI

/// The upload operations (a theme's zip, a product's or a brand's image): the form becomes the
/// JSON body the handlers know, as the API would store it: an image file becomes an
/// `image_url` on the sandbox's CDN, a theme file the theme's name.
enum Uploads {
    static let maxImageBytes = 8 * 1024 * 1024

    static func body(_ form: MultipartForm, op: Operation, storeHash: String) throws(APIError) -> (JSON, [MultipartForm.Part]) {
        let fields = BodySchemaTable.entry(for: op)?.uploadFields ?? []
        var body = form.object(schema: BodySchemaTable.entry(for: op)?.schema)
        for file in form.files {
            guard fields.contains(file.name) else {
                let expected = fields.isEmpty ? "it takes no file" : "its file field is \(fields.joined(separator: ", "))"
                throw APIError.invalid("Unexpected file field \(file.name)", [(file.name, "this operation does not take a file here; \(expected)")])
            }
            let filename = file.filename ?? ""
            if file.name == "image_file" {
                guard file.data.count <= maxImageBytes else {
                    throw APIError.invalid("The image is too large", [("image_file", "images are limited to 8 MB, got \(file.data.count) bytes")])
                }
                guard isImage(file.data) else {
                    throw APIError.invalid("The image is not a GIF, JPEG or PNG", [("image_file", "\(filename) is not a GIF, JPEG or PNG image")])
                }
                body["image_url"] = .string("https://cdn.sandbox.invalid/s-\(storeHash)/images/\(Percent.encode(filename))")
            } else if file.name == "file" {
                guard file.data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else {
                    throw APIError.invalid("The theme is not a zip archive", [("file", "\(filename) is not a zip archive (a Stencil theme bundle)")])
                }
                body["name"] = .string(filename.hasSuffix(".zip") ? String(filename.dropLast(4)) : filename)
            }
        }
        // An image may come as image_url instead; a theme has only its file.
        if fields.contains("file"), !form.files.contains(where: { $0.name == "file" }) {
            throw APIError.invalid("A file is required", [("file", "file is required")])
        }
        return (.object(body), form.files)
    }

    static func isImage(_ b: [UInt8]) -> Bool {
        b.starts(with: [0x89, 0x50, 0x4E, 0x47]) || b.starts(with: [0xFF, 0xD8, 0xFF]) || b.starts(with: Array("GIF8".utf8))
    }
}
