import JSON

/// How the parent of `--profiles` writes what its stores print, a line at a time, so that
/// lines of different stores never mix, and what it keeps of each store's failure.
public enum FleetOutput: Sendable {
    /// `[profile] line`, on the stream the store wrote it to.
    case text
    /// Every line one JSON object: a store's JSON object with `profile` after `time` and
    /// `level`; any other line wrapped (stderr: `time`, `level`, `profile`, `msg`; stdout:
    /// `profile`, `output`).
    case json
    /// `storescript call`: each answer line becomes `{"profile", "store_hash", "result"}` and
    /// an error `{"profile", "store_hash", "error"}`, on stdout; the stores' other lines on
    /// stderr as `logs` has them.
    case call(logs: Runtime.LogFormat)

    var logs: Runtime.LogFormat {
        switch self {
        case .text: .text
        case .json: .json
        case .call(let logs): logs
        }
    }
}

/// What a store's lines said of why it failed: its last error line, and its last line.
struct StoreReport {
    var lastError: String?
    var lastLine: String?
    var reason: String { lastError ?? lastLine ?? "" }
}

struct FleetRelay {
    let output: FleetOutput
    /// The longest profile's length: text prefixes line up.
    let width: Int
    let storeHashes: [String: String]

    func relay(_ line: ArraySlice<UInt8>, stdout: Bool, of profile: String, report: inout StoreReport) {
        let object = line.first == UInt8(ascii: "{") ? (try? JSON.parse(Array(line)))?.objectValue : nil
        remember(line, object, stdout: stdout, in: &report)
        if case .call = output {
            if stdout {
                return emit(answer(profile, "result", Array(line)), stdout: true)
            }
            if let error = object?["error"], object?.count == 1 {
                return emit(answer(profile, "error", error.serialized()), stdout: true)
            }
        }
        switch output.logs {
        case .text:
            let prefix = "[\(profile)]" + String(repeating: " ", count: max(width - profile.count, 0)) + " "
            emit(Array(prefix.utf8) + line, stdout: stdout)
        case .json:
            var out: JSONObject
            if let object {
                out = JSONObject()
                for key in ["time", "level"] where object[key] != nil { out[key] = object[key] }
                out["profile"] = .string(profile)
                for (k, v) in object where k != "time" && k != "level" && k != "profile" { out[k] = v }
            } else if stdout {
                out = JSONObject([("profile", .string(profile)), ("output", .string(String(decoding: line, as: UTF8.self)))])
            } else {
                out = JSONObject([("time", .string(Diagnostics.timestamp())), ("level", "info"), ("profile", .string(profile)),
                                  ("msg", .string(String(decoding: line, as: UTF8.self)))])
            }
            emit(JSON.object(out).serialized(), stdout: stdout)
        }
    }

    /// `{"profile", "store_hash", key: value}`, value's JSON as the store wrote it.
    private func answer(_ profile: String, _ key: String, _ value: [UInt8]) -> [UInt8] {
        var out = Array("{\"profile\":".utf8)
        JSON.string(profile).write(to: &out)
        out += Array(",\"store_hash\":".utf8)
        (storeHashes[profile].map(JSON.string) ?? .null).write(to: &out)
        out += Array(",\"\(key)\":".utf8) + value + [UInt8(ascii: "}")]
        return out
    }

    private func emit(_ bytes: [UInt8], stdout: Bool) {
        Console.write(fd: stdout ? 1 : 2, bytes: bytes + [10])
    }

    /// Keeps what says why a store failed: its last error line (a JSON line of level error,
    /// `call`'s error object, a text line that is not part of a traceback), else its last line.
    private func remember(_ line: ArraySlice<UInt8>, _ object: JSONObject?, stdout: Bool, in store: inout StoreReport) {
        guard !line.isEmpty else { return }
        let text = { String(decoding: line.prefix(2000), as: UTF8.self) }
        if let object {
            if let error = object["error"]?.objectValue {
                let title = error["title"]?.stringValue ?? "error"
                store.lastError = error["status"]?.intValue.map { "\($0) \(title)" } ?? title
            } else if object["level"]?.stringValue == "error", let msg = object["msg"]?.stringValue {
                store.lastError = msg
            }
        } else if !stdout, line.first != UInt8(ascii: "\t"), !line.starts(with: "stack traceback:".utf8) {
            var message = text()
            if message.hasPrefix("storescript: ") { message.removeFirst("storescript: ".count) }
            store.lastError = message
        }
        store.lastLine = text()
    }
}
