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
