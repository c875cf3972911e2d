import SocializerCore

/// A document of named sections written as it is read, so memory does not
/// grow with the records (`users takeout`): one JSON object, or JSON Lines.
///
/// In JSON the header's members come first, then one member per section:
/// a record (an object, or any value), a list of records, or a group of
/// named lists. Every member, and every record of a list, starts a line:
///
///     {
///     "socializer_takeout":1,
///     "account":{"id":1,…},
///     "preferences":[
///     {"type":"style",…},
///     {"type":"topics",…}
///     ],
///     "other_tables":{
///     "life_events":[]
///     }
///     }
///
/// In JSON Lines the header is the first line, and each record its own line,
/// `{"section":NAME,"record":…}` (with `"table":NAME` in a group), as the
/// fixtures' JSON Lines form writes `{"table":NAME,"record":…}`.
final class SectionWriter {
    enum Form: Sendable { case json, jsonl }

    /// Records per section, in the order written; a group's lists as
    /// `group.list`. A record section counts 1, or 0 when it is null.
    private(set) var counts: [(section: String, records: Int)] = []

    private let out: TextOutput
    private let form: Form
    /// The line being written, reused from record to record.
    private var line: [UInt8] = []
    private var group: String?
    private var list: String?
    private var itemsInList = 0
    private var listsInGroup = 0
    /// The fields of the open list's records, encoded once, as
    /// `RowRenderer` does: a record given as cells costs no name escaping.
    private var memberNames = MemberNames()

    init(out: TextOutput, form: Form) {
        self.out = out
        self.form = form
        line.reserveCapacity(4096)
    }

    var records: Int { counts.reduce(0) { $0 + $1.records } }

    /// The header: the document's first members (json) or its first line (jsonl).
    func begin(_ header: [(String, Cell)]) throws {
        line.removeAll(keepingCapacity: true)
        switch form {
        case .json:
            line.append(UInt8(ascii: "{"))
            for (index, (name, cell)) in header.enumerated() {
                if index > 0 { line.append(UInt8(ascii: ",")) }
                line.append(0x0A)
                JSONValue.writeString(name, to: &line)
                line.append(UInt8(ascii: ":"))
                cell.writeJSON(to: &line)
            }
        case .jsonl:
            SectionWriter.appendObject(header, to: &line)
            line.append(0x0A)
        }
        try emit()
    }

    /// A section holding one record, as fields.
    func record(_ section: String, _ fields: [(String, Cell)]) throws {
        try record(section) { SectionWriter.appendObject(fields, to: &$0) }
    }

    /// A section holding one value (`.null` for none).
    func record(_ section: String, value: Cell) throws {
        try record(section, counted: value != .null) { value.writeJSON(to: &$0) }
    }

    private func record(_ section: String, counted: Bool = true, _ write: (inout [UInt8]) -> Void) throws {
        precondition(list == nil && group == nil, "a record section inside a list or group")
        line.removeAll(keepingCapacity: true)
        switch form {
        case .json:
            SectionWriter.appendMember(section, to: &line)
            write(&line)
        case .jsonl:
            SectionWriter.appendLineStart(section, table: nil, to: &line)
            write(&line)
            line.append(contentsOf: SectionWriter.lineEnd)
        }
        counts.append((section, counted ? 1 : 0))
        try emit()
    }

    /// Opens a section of records (or, inside a group, one of its lists);
    /// `fields` names the cells of `item(cells:)`.
    func beginList(_ name: String, fields: [String] = []) throws {
        precondition(list == nil, "a list inside a list")
        list = name
        itemsInList = 0
        memberNames = MemberNames(fields)
        counts.append((group.map { "\($0).\(name)" } ?? name, 0))
        guard form == .json else { return }
        line.removeAll(keepingCapacity: true)
        if group != nil {
            if listsInGroup > 0 { line.append(UInt8(ascii: ",")) }
            listsInGroup += 1
        }
        if group == nil {
            SectionWriter.appendMember(name, to: &line)
        } else {
            line.append(0x0A)
            JSONValue.writeString(name, to: &line)
            line.append(UInt8(ascii: ":"))
        }
        line.append(UInt8(ascii: "["))
        try emit()
    }

    /// One record of the open list, as fields.
    func item(_ fields: [(String, Cell)]) throws {
        try item { SectionWriter.appendObject(fields, to: &$0) }
    }

    /// One record of the open list, as the cells of the fields it was opened with.
    func item(cells: [Cell]) throws {
        precondition(cells.count == memberNames.count, "a record's cells do not match its list's fields")
        try item { memberNames.writeObject(cells, to: &$0) }
    }

    /// One record of the open list, as a value (kept as the database holds it).
    func item(value: Cell) throws {
        try item { value.writeJSON(to: &$0) }
    }

    private func item(_ write: (inout [UInt8]) -> Void) throws {
        guard let list else { preconditionFailure("an item outside a list") }
        // A local buffer (swapped with the stored one) spares every append an exclusivity check.
        var buffer: [UInt8] = []
        swap(&buffer, &line)
        defer { swap(&buffer, &line) }
        buffer.removeAll(keepingCapacity: true)
        switch form {
        case .json:
            if itemsInList > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(0x0A)
            write(&buffer)
        case .jsonl:
            SectionWriter.appendLineStart(group ?? list, table: group == nil ? nil : list, to: &buffer)
            write(&buffer)
            buffer.append(contentsOf: SectionWriter.lineEnd)
        }
        itemsInList += 1
        counts[counts.count - 1].records += 1
        out.write(bytes: buffer)
        if let failure = out.failure { throw failure }
    }

    func endList() throws {
        precondition(list != nil, "no list to end")
        list = nil
        try close("]", afterLines: itemsInList > 0)
    }

    /// Opens a section made of named lists (`other_tables`).
    func beginGroup(_ name: String) throws {
        precondition(list == nil && group == nil, "a group inside a list or group")
        group = name
        listsInGroup = 0
        guard form == .json else { return }
        line.removeAll(keepingCapacity: true)
        SectionWriter.appendMember(name, to: &line)
        line.append(UInt8(ascii: "{"))
        try emit()
    }

    func endGroup() throws {
        precondition(group != nil && list == nil, "no group to end")
        group = nil
        try close("}", afterLines: listsInGroup > 0)
    }

    /// A list's or group's closing bracket (json): on a line of its own
    /// after the lines it holds, right after its opening one when empty.
    private func close(_ bracket: Unicode.Scalar, afterLines: Bool) throws {
        guard form == .json else { return }
        line.removeAll(keepingCapacity: true)
        if afterLines { line.append(0x0A) }
        line.append(UInt8(ascii: bracket))
        try emit()
    }

    /// Closes the document and flushes it.
    func finish() throws {
        precondition(list == nil && group == nil, "a list or group left open")
        if form == .json {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: Array("\n}\n".utf8))
            try emit()
        }
        out.flush()
        if let failure = out.failure { throw failure }
    }

    // MARK: Bytes

    private static let lineEnd = Array("}\n".utf8)
    private static let sectionKey = Array(#"{"section":"#.utf8)
    private static let tableKey = Array(#","table":"#.utf8)
    private static let recordKey = Array(#","record":"#.utf8)

    private func emit() throws {
        out.write(bytes: line)
        if let failure = out.failure { throw failure }
    }

    /// `,\n"name":` (json): every section follows the header.
    private static func appendMember(_ name: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(0x0A)
        JSONValue.writeString(name, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// `{"section":NAME,["table":NAME,]"record":` (jsonl).
    private static func appendLineStart(_ section: String, table: String?, to out: inout [UInt8]) {
        out.append(contentsOf: SectionWriter.sectionKey)
        JSONValue.writeString(section, to: &out)
        if let table {
            out.append(contentsOf: SectionWriter.tableKey)
            JSONValue.writeString(table, to: &out)
        }
        out.append(contentsOf: SectionWriter.recordKey)
    }

    static func appendObject(_ fields: [(String, Cell)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, (name, cell)) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            cell.writeJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
