import Testing
@testable import JSON

@Suite struct JSONFormat {
    @Test("parse and write round-trip, integers stay integers, key order is kept")
    func roundTrip() throws {
        let text = #"{"id":1,"price":12.5,"name":"Tee \"blue\"\n","tags":["a",null,true],"nested":{"z":1,"a":-0.25}}"#
        let v = try JSON.parse(text)
        #expect(v["id"] == .int(1))
        #expect(v["price"] == .double(12.5))
        #expect(v.text == text)
    }

    @Test("objects of any size keep first-set order, find every key, forget removed ones, and compare without order", arguments: [3, 64, 65, 200])
    func objectsOfAnySize(size: Int) throws {
        var o = JSONObject()
        for n in 0..<size { o["k\(n)"] = .int(Int64(n)) }
        o["k0"] = "again" // a key set twice keeps its place
        o["k1"] = nil
        #expect(o.keys == ["k0"] + (2..<size).map { "k\($0)" })
        #expect(o["k0"] == "again" && o["k1"] == nil && o["k\(size - 1)"] == .int(Int64(size - 1)))
        o["k1"] = true // back, at the end
        #expect(o.keys.last == "k1" && o.count == size)
        var reversed = JSONObject()
        for (k, v) in o.reversed() { reversed[k] = v }
        #expect(reversed == o && reversed.hashValue == o.hashValue)
        reversed["k0"] = 1
        #expect(reversed != o)
        // A parsed object: a repeated key keeps its first place and its last value.
        let text = "{" + (0..<size).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k0\":\"last\"}"
        guard case .object(let parsed) = try JSON.parse(text) else { Issue.record("not an object"); return }
        #expect(parsed.keys == (0..<size).map { "k\($0)" } && parsed["k0"] == "last" && parsed["k\(size / 2)"] == .int(Int64(size / 2)))
    }

    @Test("escapes: unicode, surrogate pairs, control characters")
    func escapes() throws {
        let v = try JSON.parse(#""\u00e9\ud83d\ude00\t\u0001""#)
        #expect(v == .string("é😀\t\u{01}"))
        #expect(v.text == #""é😀\t\u0001""#)
    }

    @Test("malformed input is refused with an offset, never a crash", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{01}\"", "[1] 2", "\"\\ud800\"",
        "1e999", "{\"a\":}", "nul",
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test("deep nesting is refused")
    func deep() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("integers stay integers to the last of 64 bits, and beyond them are refused, never rounded")
    func integersBeyond64Bits() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
        #expect(throws: JSONParseError.self) { try JSON.parse("18446744073709551615") }
        #expect(throws: JSONParseError.self) { try JSON.parse("[9223372036854775808]") }
        #expect(try JSON.parse("1e20") == .double(1e20))
    }

    @Test("random bytes never crash the parser")
    func randomBytes() {
        var state: UInt64 = 42
        let alphabet = Array("{}[]\",:0123456789.-etrufalsn \\u".utf8)
        for _ in 0..<20_000 {
            let n = Int(state % 40)
            var bytes: [UInt8] = []
            for _ in 0..<n {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(alphabet[Int(state >> 40) % alphabet.count])
            }
            _ = try? JSON.parse(bytes)
        }
    }
}
