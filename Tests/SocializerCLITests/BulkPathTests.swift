import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Issue 8 points 5 and 7: import streams and reports every bad line; the
/// bulk writers encode rows as bytes; import and export share one schema.
@Suite struct BulkPathTests {
    let f = UsersFixture()
    static let hash = "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"

    func importFile(_ name: String, _ text: String, _ extra: [String] = []) -> (String, CLIResult) {
        let path = f.folder.write(name, text)
        return (path, f.cli(["users", "import", path] + extra))
    }

    @Test func everyBadJSONLineIsReportedNotOnlyTheFirst() throws {
        let (path, result) = importFile("bad.jsonl", """
            {"username": "a", "password": "pw-aaaa"}
            {oops}
            {"username": "b", "password": "pw-bbbb"}
            {"username": "c", "password": "pw-cccc",}
            [1]
            {"username": "d", "password": "pw-dddd"

            """)
        #expect(result.status == 65)
        #expect(result.stderr == """
            socializer: error: 4 problem(s) in '\(path)'; nothing was imported
              \(path):2:2: unexpected 'o'; expected a member name in double quotes
              \(path):4:41: trailing comma before '}'
              \(path):5:1: a record must be a JSON object, not an array
              \(path):6:40: unexpected end of input inside an object

            """)
        #expect(try f.connection().scalarInt("SELECT count(*) FROM users") == 0)
    }

    @Test func everyBadCSVRowIsReported() throws {
        let (path, result) = importFile("bad.csv", """
            username,password
            a,pw-aaaa
            b
            c"x,pw-cccc
            d,pw-dddd,extra
            "e",pw-eeee
            "f"g,pw-ffff
            h,pw-hhhh

            """)
        #expect(result.status == 65)
        #expect(result.stderr == """
            socializer: error: 4 problem(s) in '\(path)'; nothing was imported
              \(path):row 3: the row has 1 fields; the header has 2
              \(path):row 4: a quote inside an unquoted field; quote the whole field and double the quote
              \(path):row 5: the row has 3 fields; the header has 2
              \(path):row 7: text after a closing quote

            """)
        let capped = f.cli(["users", "import", path, "--max-errors", "1"])
        #expect(capped.stderr.contains("row 3:") && !capped.stderr.contains("row 4:") && capped.stderr.contains("… and 3 more"))
        #expect(try f.connection().scalarInt("SELECT count(*) FROM users") == 0)
    }

    @Test func aJSONArrayGoesOnAfterABadElementWhoseBracketsBalance() throws {
        let (path, result) = importFile("bad.json", """
            [
              {"username": "a", "password": "pw-aaaa"},
              {"username": "b" "password": "pw-bbbb"},
              {"username": "c", "pasword": "pw-cccc"},
              {"username": "d", "password": tru}
            ]
            """)
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path):3:20: unexpected '\"'; expected ',' or '}'"), "\(result.stderr)")
        #expect(result.stderr.contains("\(path):4:3: unknown field 'pasword'"))
        #expect(result.stderr.contains("\(path):5:36: invalid literal"))
        #expect(result.stderr.contains("4 problem(s)"))
    }

    /// Records are written chunk by chunk inside the one transaction; a
    /// problem found after earlier chunks were written still leaves nothing.
    @Test func aProblemAfterSeveralChunksRollsEverythingBack() throws {
        let count = UserLoader.chunkSize * 2 + 10
        var lines = (0..<count).map { #"{"username": "u\#($0)", "password_hash": "\#(BulkPathTests.hash)", "hashed_email": "h\#($0)@example.com"}"# }
        lines.append(#"{"username": "u3", "password_hash": "\#(BulkPathTests.hash)"}"#)
        lines.append(#"{"username": "late", "password_hash": "\#(BulkPathTests.hash)", "hashed_email": "H7@example.com"}"#)
        let (path, result) = importFile("many.jsonl", lines.joined(separator: "\n") + "\n")
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path):\(count + 1):1: user 'u3' appears twice in the file (first at \(path):4:1)"), "\(result.stderr)")
        #expect(result.stderr.contains("\(path):\(count + 2):1: the same email as the record at \(path):8:1"), "\(result.stderr)")
        #expect(try f.connection().scalarInt("SELECT count(*) FROM users") == 0)
        let good = Array(lines.dropLast(2)).joined(separator: "\n") + "\n"
        let (_, loaded) = importFile("good.jsonl", good)
        #expect(loaded.status == 0 && loaded.stdout.contains("created: \(count)"), "\(loaded.stderr)")
        #expect(try f.connection().scalarInt("SELECT count(*) FROM users") == Int64(count))
    }

    @Test func standardInputIsStreamedToo() throws {
        let lines = (0..<700).map { #"{"username": "s\#($0)", "password_hash": "\#(BulkPathTests.hash)"}"# }
        let result = f.cli(["users", "import", "-", "--input-format", "jsonl"], stdin: lines.joined(separator: "\n"))
        #expect(result.status == 0 && result.stdout.contains("created: 700"), "\(result.stderr)")
    }

    /// Memory does not grow with the file: the reader's buffer is fixed and
    /// every record is handed out before the next is read.
    @Test func theReadersBufferStaysFixedOverALargeFile() throws {
        let record = #"{"username": "u", "password_hash": "\#(BulkPathTests.hash)", "preferences": {"padding": "\#(String(repeating: "x", count: 900))"}}"#
        let lines = Array(repeating: record, count: 9_000)
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        #expect(bytes.count > 8 * 1024 * 1024)
        for format in RecordFile.Format.allCases {
            let input: [UInt8]
            switch format {
            case .jsonl: input = bytes
            case .json: input = Array(("[" + lines.joined(separator: ",\n") + "]").utf8)
            case .csv: input = Array(("username,password_hash\n" + Array(repeating: "u,\(String(repeating: "y", count: 1000))", count: 9_000)
                                        .joined(separator: "\n")).utf8)
            }
            let reader = ByteReader(bytes: input, chunkSize: 4096)
            let stream = RecordStream(reader: reader, name: "big", format: format) { _ in SocializerError.invalid("limit") }
            var records = 0
            while let item = try stream.next() {
                if case .record = item { records += 1 } else { Issue.record("\(format): \(item)") }
                #expect(reader.bufferSize == 4096)
            }
            #expect(records == 9_000, "\(format)")
            #expect(reader.bytesRead == input.count)
        }
    }

    @Test func theSizeLimitIsCheckedWhileStreaming() throws {
        let reader = ByteReader(bytes: Array(repeating: 0x20, count: 10_000), chunkSize: 1000, limit: 4_500)
        var line: [UInt8] = []
        var truncated = false
        #expect(throws: ByteReader.LimitExceeded.self) {
            _ = try reader.readLine(into: &line, maxLength: 100, truncated: &truncated)
        }
        #expect(line.count <= 100 && truncated)
    }

    @Test func byteEncodingMatchesTheStringEncoding() {
        let samples = ["", "plain", "quote \" back \\ slash", "lines\n\r\t\u{08}\u{0C}", "\u{01}\u{1F}", "é ünïcode 🎉",
                       "sep \u{2028} \u{2029}", "a,b", "nel \u{85}", "vt \u{0B}", "crlf\r\n"]
        for text in samples {
            var bytes: [UInt8] = []
            JSONValue.writeString(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSONValue.quoted(text), "\(text)")
            var csv: [UInt8] = []
            Cell.text(text).writeCSV(to: &csv)
            #expect(String(decoding: csv, as: UTF8.self) == RowRenderer.csvField(text), "\(text)")
        }
        let value = JSONValue.object([("a", .array([.integer(-9_223_372_036_854_775_807), .integer(0), .number(0.5), .number(2),
                                                    .bool(true), .null])), ("b", .object([]))])
        var bytes: [UInt8] = []
        value.writeCompact(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == value.compactText)
    }

    /// Point 5: one schema. Export writes exactly its fields; import reads
    /// back what export wrote (secrets included) and export then gives the same text.
    @Test func importAndExportShareOneSchema() throws {
        #expect(UsersTransfer.exportFields + UsersTransfer.secretFields
                == UserRecord.schema.filter { $0.value != nil }.map(\.name))
        #expect(Set(UsersTransfer.fields).count == UsersTransfer.fields.count)
        f.create("alice", email: "alice@example.com")
        f.create("bob")
        let exported = f.cli(["users", "export", "--format", "jsonl", "--include-secrets"])
        #expect(exported.status == 0)
        let first = try JSONParser.parse(String(exported.stdout.split(separator: "\n")[0]))
        #expect(first.objectMembers?.map(\.0) == UsersTransfer.exportFields + UsersTransfer.secretFields)
        let path = f.folder.write("round.jsonl", exported.stdout)
        let other = UsersFixture()
        let back = other.cli(["users", "import", path])
        #expect(back.status == 0, "\(back.stderr)")
        let again = other.cli(["users", "export", "--format", "jsonl", "--include-secrets"])
        #expect(again.stdout == exported.stdout)
    }

    /// Passwords are hashed and every record checked before the write lock
    /// is taken (a first pass over a file): a bad file is refused while
    /// another connection holds the lock; writing then waits for it.
    @Test func aFileWithPasswordsIsCheckedAndHashedBeforeTheLock() throws {
        let lines = (0..<(UserLoader.chunkSize + 20)).map { #"{"username": "p\#($0)", "password": "pw-\#($0)-secret"}"# }
        let bad = f.folder.write("bad.jsonl", (lines + [#"{"username": "p1", "password": "pw-again"}"#]).joined(separator: "\n"))
        let good = f.folder.write("good.jsonl", lines.joined(separator: "\n"))
        let holder = try f.connection()
        try holder.execute("BEGIN IMMEDIATE")
        let refused = f.cli(["--busy-timeout", "0", "users", "import", bad])
        #expect(refused.status == 65 && refused.stderr.contains("user 'p1' appears twice in the file"), "\(refused.stderr)")
        let waiting = f.cli(["--busy-timeout", "0", "users", "import", good])
        #expect(waiting.status == 75, "\(waiting.stderr)")
        // Standard input is read once: it is checked in the writing pass, under the lock.
        let piped = f.cli(["--busy-timeout", "0", "users", "import", "-", "--input-format", "jsonl"], stdin: try String(contentsOfFile: bad, encoding: .utf8))
        #expect(piped.status == 75, "\(piped.stderr)")
        try holder.execute("ROLLBACK")
        let loaded = f.cli(["users", "import", good])
        #expect(loaded.status == 0 && loaded.stdout.contains("created: \(lines.count)"), "\(loaded.stderr)")
        let hash = try f.connection().scalar("SELECT hashed_password FROM users WHERE username = 'p530'")
        guard case .text(let text) = hash else { Issue.record("no hash"); return }
        #expect(try Bcrypt.verify(Array("pw-530-secret".utf8), against: text))
    }
}
