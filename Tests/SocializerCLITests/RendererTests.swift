import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore

@Suite struct RendererTests {
    let columns = ["id", "name", "score", "active", "at", "meta"]
    let rows: [[Cell]] = [
        [.integer(1), .text("alice"), .number(0.5), .bool(true), .time(Timestamp(year: 2026, month: 1, day: 2)!), .json(.object([("a", .integer(1))]))],
        [.integer(2), .text("b,\"o\"\nb"), .null, .bool(false), .null, .null],
    ]

    func render(_ options: RenderOptions, rows: [[Cell]]? = nil) throws -> String {
        let out = TextBuffer()
        let renderer = RowRenderer(out: out, options: options)
        try renderer.begin(columns: columns)
        for row in rows ?? self.rows { try renderer.row(row) }
        renderer.finish()
        return out.text
    }

    @Test func outputStaysWholeWhenTheCommandFailsPartWay() throws {
        // Rows written, then an error: what was begun is ended. No row: nothing at all.
        for (format, expected) in [(OutputFormat.json, "[\n{\"id\":1}\n]\n"), (.csv, "id\r\n1\r\n"), (.table, "ID\n1\n")] {
            for written in [0, 1] {
                let out = TextBuffer()
                let renderer = RowRenderer(out: out, options: RenderOptions(format: format))
                try renderer.begin(columns: ["id"])
                if written == 1 { try renderer.row([.integer(1)]) }
                renderer.finishAfterError()
                renderer.finishAfterError()
                #expect(out.text == (written == 1 ? expected : ""), "\(format) \(written)")
            }
        }
        // After a normal finish there is nothing left to end.
        let out = TextBuffer()
        let renderer = RowRenderer(out: out, options: RenderOptions(format: .json))
        try renderer.begin(columns: ["id"])
        renderer.finish()
        renderer.finishAfterError()
        #expect(out.text == "[]\n")
    }

    @Test func tableAlignsAndFlattensLineBreaks() throws {
        #expect(try render(RenderOptions(format: .table)) == """
            ID  NAME     SCORE  ACTIVE  AT                    META
            1   alice    0.5    true    2026-01-02T00:00:00Z  {"a":1}
            2   b,"o" b         false

            """)
    }

    @Test func tableCutsLongTextToTheTerminalWidth() throws {
        let long: [[Cell]] = [[.integer(1), .text(String(repeating: "x", count: 100)), .null, .null, .null, .null]]
        let text = try render(RenderOptions(format: .table, width: 60), rows: long)
        for line in text.split(separator: "\n") { #expect(line.count <= 60, "\(line)") }
        #expect(text.contains("…"))
    }

    @Test func jsonIsOneArrayWithTypedValuesAndZTimes() throws {
        let text = try render(RenderOptions(format: .json))
        let value = try JSONParser.parse(text)
        guard case .array(let items) = value else { Issue.record("not an array"); return }
        #expect(items.count == 2)
        #expect(items[0]["score"] == .number(0.5))
        #expect(items[0]["active"] == .bool(true))
        #expect(items[0]["at"] == .string("2026-01-02T00:00:00Z"))
        #expect(items[0]["meta"] == .object([("a", .integer(1))]))
        #expect(items[1]["at"] == .null)
        #expect(try render(RenderOptions(format: .json), rows: []) == "[]\n")
    }

    @Test func jsonLinesIsOneObjectPerLine() throws {
        let lines = try render(RenderOptions(format: .jsonl)).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(try JSONParser.parse(String(lines[1]))["name"] == .string("b,\"o\"\nb"))
    }

    @Test func csvQuotesPerRFC4180AndTSVEscapes() throws {
        #expect(try render(RenderOptions(format: .csv)) ==
            "id,name,score,active,at,meta\r\n1,alice,0.5,true,2026-01-02T00:00:00Z,\"{\"\"a\"\":1}\"\r\n2,\"b,\"\"o\"\"\nb\",,false,,\r\n")
        #expect(try render(RenderOptions(format: .tsv, header: false)) ==
            "1\talice\t0.5\ttrue\t2026-01-02T00:00:00Z\t{\"a\":1}\n2\tb,\"o\"\\nb\t\tfalse\t\t\n")
        // Every line break is kept as it was: CRLF, LF and a lone CR; a backslash and a tab escaped.
        #expect(RowRenderer.tsvField("a\r\nb\nc\rd\\e\tf") == "a\\r\\nb\\nc\\rd\\\\e\\tf")
    }

    @Test func fieldsSelectAndOrderAndUnknownOnesAreNamed() throws {
        #expect(try render(RenderOptions(format: .csv, fields: ["name", "id"], header: false)) == "alice,1\r\n\"b,\"\"o\"\"\nb\",2\r\n")
        #expect {
            try render(RenderOptions(format: .csv, fields: ["nope"]))
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .usage && e?.message == "unknown field 'nope' for --fields" && e?.hint == "available fields: id,name,score,active,at,meta"
        }
    }

    /// A long list is written while it is produced, not held until the end.
    @Test func listsStreamInEveryFormat() throws {
        final class CountingOutput: TextOutput {
            var bytes = 0
            func write(_ text: String) { bytes += text.utf8.count }
            func flush() {}
        }
        for format in OutputFormat.allCases {
            let out = CountingOutput()
            let renderer = RowRenderer(out: out, options: RenderOptions(format: format))
            try renderer.begin(columns: ["n"])
            for i in 0..<1000 { try renderer.row([.integer(Int64(i))]) }
            #expect(out.bytes > 2000, "\(format) wrote \(out.bytes) bytes before finish()")
            renderer.finish()
        }
    }

    @Test func recordsPrintKeyValueLinesOrOneObject() throws {
        let fields: [(String, Cell)] = [("id", .integer(7)), ("username", .text("alice")), ("note", .text("a\nb")), ("empty", .null)]
        let table = TextBuffer()
        try RecordRenderer(out: table, options: RenderOptions(format: .table)).render(fields)
        #expect(table.text == "id:       7\nusername: alice\nnote:\n  a\n  b\nempty:\n")
        let json = TextBuffer()
        try RecordRenderer(out: json, options: RenderOptions(format: .json)).render(fields)
        #expect(try JSONParser.parse(json.text)["username"] == .string("alice"))
        let csv = TextBuffer()
        try RecordRenderer(out: csv, options: RenderOptions(format: .csv, fields: ["username", "id"])).render(fields)
        #expect(csv.text == "username,id\r\nalice,7\r\n")
    }
}
