import Testing
@testable import SocializerCore

@Suite struct JSONParserTests {
    func failure(_ text: String) -> JSONParseError? {
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5, true, false, null, "x\u00e9\n"], "b": {}}"#)
        #expect(value["a"] == .array([.integer(1), .number(-2.5), .bool(true), .bool(false), .null, .string("xé\n")]))
        #expect(value["b"] == .object([]))
        #expect(value.compactText == #"{"a":[1,-2.5,true,false,null,"xé\n"],"b":{}}"#)
    }

    @Test func keepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectMembers?.map(\.0) == ["z", "a", "m"])
    }

    @Test func surrogatePairsDecodeAndLoneOnesAreRefused() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(failure(#""\ud83d""#)?.reason.contains("lone surrogate") == true)
        #expect(failure(#""\ude00""#)?.reason.contains("lone surrogate") == true)
    }

    @Test func duplicateMemberNamesAreRefusedWithTheirPosition() {
        let error = failure("{\n  \"a\": 1,\n  \"a\": 2\n}")
        #expect(error?.reason == #"duplicate member name "a""#)
        #expect(error?.position == TextPosition(line: 3, column: 3))
    }

    @Test func truncatedEmptyAndTrailingCommaSayWhere() {
        #expect(failure("")?.reason.contains("empty document") == true)
        #expect(failure("   \n ")?.position.line == 2)
        #expect(failure(#"{"a": [1, 2"#)?.reason.contains("end of input") == true)
        let trailing = failure("[1,\n 2,\n]")
        #expect(trailing?.reason.contains("trailing comma") == true)
        #expect(trailing?.position == TextPosition(line: 3, column: 1))
        #expect(failure(#"{"a": 1,}"#)?.reason.contains("trailing comma") == true)
        #expect(failure("[1] x")?.reason.contains("after the end") == true)
    }

    @Test func numbersOutsideTheirRangeAreRefused() {
        #expect(failure("NaN")?.reason.contains("NaN") == true)
        #expect(failure("[Infinity]")?.reason.contains("NaN and Infinity") == true)
        #expect(failure("1e400")?.reason.contains("outside the range") == true)
        #expect(failure("-1e400")?.reason.contains("outside the range") == true)
        #expect(failure("9223372036854775808")?.reason.contains("64-bit") == true)
        #expect(failure("01")?.reason.contains("leading zero") == true)
        #expect(failure("1.")?.reason.contains("no digit") == true)
        #expect((try? JSONParser.parse("-9223372036854775808")) == .integer(Int64.min))
        #expect((try? JSONParser.parse("1e308")) == .number(1e308))
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(failure(deep)?.reason.contains("nested deeper than 512") == true)
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(failure(ok) == nil)
    }

    @Test func encodingsOtherThanUTF8AreRefused() throws {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x7B, 0x00, 0x7D, 0x00]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{}".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bom) }
        #expect(try JSONParser.parse(bom, allowByteOrderMark: true) == .object([]))
    }

    @Test func controlCharactersMustBeEscaped() {
        #expect(failure("\"a\tb\"")?.reason.contains("control character") == true)
        #expect(failure(#""\x""#)?.reason.contains("invalid escape") == true)
    }

    @Test func writesEscapesAndFloatsTheAppReadsBack() {
        #expect(JSONValue.string("a\"b\\c\u{1}").compactText == #""a\"b\\c\u0001""#)
        #expect(JSONValue.number(1).compactText == "1.0")
        #expect(JSONValue.number(0.7).compactText == "0.7")
        #expect(JSONValue.object([("a", .array([.integer(1)]))]).prettyText() == "{\n  \"a\": [\n    1\n  ]\n}")
    }
}

@Suite struct JSONDuplicateNameTests {
    /// Small objects are checked by a scan, large ones by a set: both refuse
    /// a repeated name, wherever it falls.
    @Test(arguments: [3, 15, 16, 17, 40])
    func aRepeatedNameIsRefusedInObjectsOfEverySize(_ size: Int) {
        let members = (0..<size).map { "\"k\($0)\": \($0)" }
        let valid = "{" + members.joined(separator: ", ") + "}"
        #expect((try? JSONParser.parse(valid))?.objectMembers?.count == size)
        for repeated in [0, size - 1] {
            let text = "{" + (members + ["\"k\(repeated)\": true"]).joined(separator: ", ") + "}"
            #expect(throws: JSONParseError.self, "\(size), k\(repeated)") { try JSONParser.parse(text) }
        }
    }
}
