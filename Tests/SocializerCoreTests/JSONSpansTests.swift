import Testing
@testable import SocializerCore

/// The fast path's scanner accepts only what is plainly valid and leaves
/// everything else to the parser; its UTF-8 check agrees with the standard
/// library's.
@Suite struct JSONSpansTests {
    func scan(_ text: String) -> [JSONSpans.Kind]? {
        var spans = JSONSpans()
        let bytes = Array(text.utf8)
        let ok = bytes.withUnsafeBufferPointer { spans.scan($0, 0, $0.count) }
        return ok ? spans.members.map(\.kind) : nil
    }

    @Test func plainRecordsAreFound() {
        #expect(scan(#"{"a": "x", "b": 12, "c": -1.5e3, "d": true, "e": false, "f": null, "g": {}, "h": [1, {"x": "\" }"}]}"#)
                == [.string, .integer, .number, .trueLiteral, .falseLiteral, .null, .emptyObject, .composite])
        #expect(scan("  {}  ") == [])
        #expect(scan(#"{"é": "ü"}"#) == [.string])
    }

    @Test func anythingUnusualIsLeftToTheParser() {
        for text in [#"{"a": "x\ny"}"#, "{\"a\": \"tab\tin\"}", #"{"a\"": 1}"#, #"{"a": 1, "a": 2}"#, #"{"a": 01}"#, #"{"a": 1.}"#,
                     #"{"a": -}"#, #"{"a": tru}"#, #"{"a": 1,}"#, #"{"a": 1} x"#, #"[1]"#, #"{"a" 1}"#, #"{"a": [1}"#, #"{"a": "x"#, ""] {
            #expect(scan(text) == nil, "\(text)")
        }
        let latin1 = Array(#"{"a": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8)
        var spans = JSONSpans()
        #expect(!latin1.withUnsafeBufferPointer { spans.scan($0, 0, $0.count) })
    }

    @Test func integersKeepToSixtyFourBits() {
        for (text, value) in [("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min), ("0", 0), ("-12", -12)] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { JSONSpans.integer($0, 0..<$0.count) } == value)
        }
        for text in ["9223372036854775808", "-9223372036854775809"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { JSONSpans.integer($0, 0..<$0.count) } == nil)
        }
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var state: UInt64 = 7
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let samples: [[UInt8]] = [Array("plain ascii text, long enough".utf8), Array("é ✓ 😀 mixed in ascii".utf8),
                                  [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], Array("abcdefgh".utf8) + [0xFF]]
        for bytes in samples + (0..<2000).map({ _ in (0..<Int(next() % 24)).map { _ in next() % 3 == 0 ? next() : next() & 0x7F } }) {
            let ours = bytes.withUnsafeBufferPointer { JSONValue.isValidUTF8($0) }
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }
}
