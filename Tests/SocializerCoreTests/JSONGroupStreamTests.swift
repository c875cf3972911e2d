import Testing
@testable import SocializerCore

/// The fixture document reader: members one by one, arrays element by
/// element, with the file's positions and the parser's strictness.
@Suite struct JSONGroupStreamTests {
    enum Seen: Equatable {
        case member(String, String, JSONValue)
        case group(String, String)
        case element(String, JSONValue)
        case failure(String, String, Bool)
    }

    func read(_ text: String, chunkSize: Int = 16) throws -> [Seen] {
        var stream = JSONGroupStream(ByteReader(bytes: Array(text.utf8), chunkSize: chunkSize), maxDepth: 4)
        var seen: [Seen] = []
        while let item = try stream.next() {
            switch item {
            case .member(let name, let at, let value): seen.append(.member(name, "\(at)", value))
            case .group(let name, let at): seen.append(.group(name, "\(at)"))
            case .element(let at, let value): seen.append(.element("\(at)", value))
            case .failure(let error, let fatal): seen.append(.failure("\(error.position)", error.reason, fatal))
            }
        }
        return seen
    }

    @Test func membersAndGroupsComeOutInOrderWithTheirPositions() throws {
        let seen = try read("""
            {"socializer_fixture": 1,
             "users": [{"username": "a"},
                       {"username": "b"}],
             "skills": [],
             "note": {"x": [1]}}
            """)
        #expect(seen == [
            .member("socializer_fixture", "1:2", .integer(1)),
            .group("users", "2:2"),
            .element("2:12", .object([("username", .string("a"))])),
            .element("3:12", .object([("username", .string("b"))])),
            .group("skills", "4:2"),
            .member("note", "5:2", .object([("x", .array([.integer(1)]))])),
        ])
    }

    @Test func aBadRecordIsReportedAndReadingGoesOn() throws {
        let seen = try read(#"{"users": [{"a": 1, "a": 2}, {"b": tru}, {"c": 3}]}"#)
        #expect(seen.count == 4)
        #expect(seen[1] == .failure("1:21", #"duplicate member name "a""#, false))
        #expect(seen[2] == .failure("1:39", "invalid literal; expected 'true'", false))
        #expect(seen[3] == .element("1:42", .object([("c", .integer(3))])))
    }

    @Test func brokenDocumentsStopWithWhereAndWhy() throws {
        let cases: [(String, String)] = [
            ("", "empty document; expected a JSON object"),
            ("[]", "expected a JSON object, found '['"),
            (#"{"users": [{"a": 1},]}"#, "trailing comma before ']'"),
            (#"{"users": [], }"#, "trailing comma before '}'"),
            (#"{"users": [{"a": 1}"#, "unexpected end of input inside an array"),
            (#"{"users": [] "skills": []}"#, "unexpected '\"'; expected ',' or '}'"),
            (#"{"users": [], "users": []}"#, #"duplicate member name "users""#),
            (#"{users: []}"#, "unexpected 'u'; expected a member name in double quotes"),
            (#"{"users" []}"#, "unexpected '['; expected ':' after a member name"),
            (#"{"users": []} x"#, "unexpected 'x' after the end of the document"),
            ("\u{FEFF}{}", "the text starts with a UTF-8 byte-order mark; remove it"),
        ]
        for (text, reason) in cases {
            let seen = try read(text)
            guard case .failure(_, let found, let fatal)? = seen.last else {
                Issue.record("\(text): no failure in \(seen)")
                continue
            }
            #expect(found == reason, "\(text)")
            #expect(fatal, "\(text)")
        }
    }

    /// Too deep a record is that record's problem: its brackets balance, so the next is read.
    @Test func aRecordNestedTooDeepIsReportedAlone() throws {
        let seen = try read(#"{"users": [[[[[[1]]]]], {"a": 1}]}"#)
        #expect(seen.count == 3)
        #expect(seen[1] == .failure("1:15", "nested deeper than 4 levels", false))
        #expect(seen[2] == .element("1:25", .object([("a", .integer(1))])))
    }

    @Test func utf16IsRefused() throws {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00]
        var stream = JSONGroupStream(ByteReader(bytes: bytes))
        guard case .failure(let error, true)? = try stream.next() else { Issue.record("not refused"); return }
        #expect(error.reason.contains("not UTF-8"))
    }

    /// Memory holds one record: the reader's buffer stays its size however long the document.
    @Test func aLongDocumentIsStreamed() throws {
        let record = #"{"content": "\#(String(repeating: "x", count: 500))"}"#
        let text = #"{"socializer_fixture": 1, "room_messages": ["# + Array(repeating: record, count: 5_000).joined(separator: ",\n") + "]}"
        let reader = ByteReader(bytes: Array(text.utf8), chunkSize: 4096)
        var stream = JSONGroupStream(reader)
        var elements = 0
        while let item = try stream.next() {
            if case .element = item { elements += 1 }
            #expect(reader.bufferSize == 4096)
        }
        #expect(elements == 5_000)
    }
}
