import SocializerCore

/// Options every renderer honours.
public struct RenderOptions: Sendable {
    public var format: OutputFormat
    public var fields: [String]?
    public var header: Bool
    /// Width to cut table rows to; nil: no limit (output is not a terminal).
    public var width: Int?
    public var color: Bool

    public init(format: OutputFormat = .table, fields: [String]? = nil, header: Bool = true,
                width: Int? = nil, color: Bool = false) {
        self.format = format
        self.fields = fields
        self.header = header
        self.width = width
        self.color = color
    }
}

/// The one streaming renderer: columns first, then rows one at a time, then
/// `finish()`. Memory does not grow with the number of rows, except that
/// the table format looks at the first `sampleSize` rows to size its columns.
///
/// What it writes is whole even when the command fails part-way: nothing
/// is written before the first row (or `finish`), and after an error the
/// runner calls `finishAfterError`, which ends what was begun (a JSON
/// array is closed, a table's sampled rows printed). The exit status and
/// the error on stderr say the output is incomplete.
public final class RowRenderer {
    static let sampleSize = 200

    private let out: TextOutput
    private let options: RenderOptions
    private var columns: [String] = []
    private var selection: [Int] = []
    private var count = 0
    private var sample: [[String]] = []
    private var widths: [Int]?
    /// The row being written (json, jsonl, csv), reused from row to row:
    /// cells are encoded straight into it and it goes to the output as bytes.
    private var line: [UInt8] = []
    /// Each selected column's name as a JSON member name and colon, encoded once.
    private var memberNames = MemberNames()
    /// `begin` was called; the opening (`[`, a header line) is written; `finish` was called.
    private var began = false
    private var opened = false
    private var finished = false

    public init(out: TextOutput, options: RenderOptions) {
        self.out = out
        self.options = options
    }

    /// Declares the columns; `--fields` is applied here, so an unknown field
    /// is reported before anything is written.
    public func begin(columns: [String]) throws {
        self.columns = columns
        if let fields = options.fields {
            selection = try fields.map { field in
                guard let i = columns.firstIndex(of: field) else {
                    throw SocializerError.usage("unknown field '\(Echo.cut(field))' for --fields",
                                                hint: "available fields: " + columns.joined(separator: ","))
                }
                return i
            }
        } else {
            selection = Array(columns.indices)
        }
        let names = selection.map { columns[$0] }
        memberNames = MemberNames(names)
        line.reserveCapacity(4096)
        began = true
    }

    /// Writes the opening with the first row or at `finish`, so that a
    /// command failing before its first row prints nothing at all.
    private func open() {
        guard !opened else { return }
        opened = true
        let names = selection.map { columns[$0] }
        switch options.format {
        case .json: out.write("[")
        case .csv where options.header: out.write(names.map(RowRenderer.csvField).joined(separator: ",") + "\r\n")
        case .tsv where options.header: out.write(names.map(RowRenderer.tsvField).joined(separator: "\t") + "\n")
        default: break
        }
    }

    /// Writes one row. Throws once the output has failed (disk full), so a
    /// long listing stops at the first lost write instead of reading on.
    public func row(_ cells: [Cell]) throws {
        if let failure = out.failure { throw failure }
        open()
        defer { count += 1 }
        switch options.format {
        case .json, .jsonl:
            // A local buffer (swapped with the stored one) spares every append an exclusivity check.
            var buffer: [UInt8] = []
            swap(&buffer, &line)
            defer { swap(&buffer, &line) }
            buffer.removeAll(keepingCapacity: true)
            if options.format == .json {
                if count > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.append(0x0A)
            }
            memberNames.writeObject(cells, picking: selection, to: &buffer)
            if options.format == .jsonl { buffer.append(0x0A) }
            out.write(bytes: buffer)
        case .csv:
            line.removeAll(keepingCapacity: true)
            for (n, index) in selection.enumerated() {
                if n > 0 { line.append(UInt8(ascii: ",")) }
                cells[index].writeCSV(to: &line)
            }
            line.append(contentsOf: [0x0D, 0x0A])
            out.write(bytes: line)
        case .tsv:
            let picked = selection.map { cells[$0] }
            out.write(picked.map { RowRenderer.tsvField($0.plainText) }.joined(separator: "\t") + "\n")
        case .table:
            let picked = selection.map { cells[$0] }
            let texts = picked.map { RowRenderer.singleLine($0.plainText) }
            if let widths {
                writeTableRow(texts, widths)
            } else {
                sample.append(texts)
                if sample.count >= RowRenderer.sampleSize { flushSample() }
            }
        }
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        open()
        switch options.format {
        case .json: out.write(count == 0 ? "]\n" : "\n]\n")
        case .table where widths == nil: flushSample()
        default: break
        }
        out.flush()
    }

    /// Ends what was begun after the command failed part-way: the rows
    /// written stay a whole document (the JSON array closed, the table's
    /// rows printed); before the first row, nothing is written.
    public func finishAfterError() {
        guard began, !finished else { return }
        guard count > 0 else {
            finished = true
            return
        }
        finish()
    }

    public var rowCount: Int { count }


    // MARK: Table

    private func flushSample() {
        let names = selection.map { columns[$0] }
        var widths = names.map { options.header ? $0.count : 1 }
        for row in sample {
            for (i, text) in row.enumerated() { widths[i] = max(widths[i], text.count) }
        }
        widths = RowRenderer.fit(widths, into: options.width)
        self.widths = widths
        if options.header {
            let header = names.map { $0.uppercased() }
            writeTableRow(header, widths, bold: options.color)
        }
        for row in sample { writeTableRow(row, widths) }
        sample = []
    }

    /// Shrinks the widest columns until the row fits the terminal.
    static func fit(_ widths: [Int], into limit: Int?) -> [Int] {
        guard let limit, !widths.isEmpty else { return widths }
        var widths = widths
        let gaps = 2 * (widths.count - 1)
        while widths.reduce(0, +) + gaps > limit {
            guard let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8 else { break }
            widths[widest] -= 1
        }
        return widths
    }

    private func writeTableRow(_ texts: [String], _ widths: [Int], bold: Bool = false) {
        var line = ""
        for (i, text) in texts.enumerated() {
            let width = widths[i]
            var cell = text
            if cell.count > width { cell = String(cell.prefix(max(0, width - 1))) + "…" }
            let isLast = i == texts.count - 1
            if !isLast { cell += String(repeating: " ", count: max(0, width - cell.count)) + "  " }
            line += cell
        }
        while line.last == " " { line.removeLast() }
        out.write(bold ? "\u{1B}[1m" + line + "\u{1B}[0m\n" : line + "\n")
    }

    /// A table cell: line breaks and tabs become spaces, other control
    /// characters visible escapes (an ANSI sequence in a log message must
    /// not drive the terminal).
    static func singleLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Echo.isControl) else { return text }
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        return Echo.escapingControls(flat)
    }

    // MARK: Delimited

    /// RFC 4180: quote a field holding a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    /// TSV cannot quote: tabs and line breaks become escapes.
    static func tsvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0.isNewline || $0 == "\\" }) else { return text }
        return text.replacingAll("\\", with: "\\\\").replacingAll("\t", with: "\\t")
            // "\r\n" is one Character in Swift: replaced whole, keeping both bytes.
            .replacingAll("\r\n", with: "\\r\\n").replacingAll("\n", with: "\\n").replacingAll("\r", with: "\\r")
    }
}

/// `show`-style output of one record: `key: value` lines in table format,
/// one object in json/jsonl, a header and one row in csv/tsv.
public struct RecordRenderer {
    let out: TextOutput
    let options: RenderOptions

    public init(out: TextOutput, options: RenderOptions) {
        self.out = out
        self.options = options
    }

    public func render(_ fields: [(String, Cell)]) throws {
        var fields = fields
        if let wanted = options.fields {
            fields = try wanted.map { name in
                guard let field = fields.first(where: { $0.0 == name }) else {
                    throw SocializerError.usage("unknown field '\(Echo.cut(name))' for --fields",
                                                hint: "available fields: " + fields.map(\.0).joined(separator: ","))
                }
                return field
            }
        }
        switch options.format {
        case .table:
            let width = fields.map(\.0.count).max() ?? 0
            for (key, value) in fields {
                let text = Echo.escapingControls(value.plainText, keeping: ["\n", "\t"])
                if text.contains("\n") {
                    out.write(key + ":\n" + text.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { "  " + $0 }.joined(separator: "\n") + "\n")
                } else if text.isEmpty {
                    out.write(key + ":\n")
                } else {
                    out.write(key + ":" + String(repeating: " ", count: width - key.count) + " " + text + "\n")
                }
            }
        case .json:
            out.write(JSONValue.object(fields.map { ($0.0, $0.1.jsonValue) }).prettyText() + "\n")
        case .jsonl:
            out.write(JSONValue.object(fields.map { ($0.0, $0.1.jsonValue) }).compactText + "\n")
        case .csv, .tsv:
            let renderer = RowRenderer(out: out, options: RenderOptions(format: options.format, header: options.header))
            try renderer.begin(columns: fields.map(\.0))
            try renderer.row(fields.map(\.1))
            renderer.finish()
        }
        out.flush()
    }
}
