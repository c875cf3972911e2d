import SocializerCore

/// PostgreSQL's bulk load: rows appended to a table through one
/// `COPY … FROM STDIN` (https://www.postgresql.org/docs/current/sql-copy.html,
/// libpq-copy.html) instead of one INSERT round trip each. The rows stream
/// to the server while the caller reads and checks the next ones, so the
/// two work side by side.
///
/// The COPY stays open from row to row and is ended (its result checked)
/// by whatever runs next on the connection: another statement, `endCopy`,
/// or the transaction's end (a ROLLBACK abandons it). A COPY is ended too
/// every `rowsPerCopy` rows, so that what the caller keeps to say where a
/// failed row came from stays bounded.
public protocol RowCopying: Database {
    /// Appends one row, in COPY's text format (`PostgresCopyText`), to the
    /// COPY into `target` (`table (column, …)`), started if none is open for
    /// it. Returns the row's line within that COPY, from 1: a 1 means a new
    /// COPY began. `locate` says where the input gave line N (used if the
    /// COPY fails, to prefix the error).
    func copyRow(into target: String, _ row: [UInt8], locate: @escaping (Int) -> String?) throws -> Int
    /// Ends the open COPY, if any, and reports its failure.
    func endCopy() throws
}

/// One COPY … FROM STDIN in progress.
struct CopyIn {
    let target: String
    var buffer: [UInt8] = []
    var rows = 0
    let locate: (Int) -> String?

    var statement: String { "COPY \(target) FROM STDIN" }
}

extension PostgresConnection: RowCopying {
    /// Bytes gathered into one CopyData message. Small enough that several
    /// wait in the socket while the server works through one (it reads a
    /// message whole before parsing it): the client then reads and checks
    /// the next rows while the server writes these, instead of each
    /// waiting for the other.
    static let copyChunk = 32 * 1024

    public func copyRow(into target: String, _ row: [UInt8], locate: @escaping (Int) -> String?) throws -> Int {
        if copying != nil, copying!.target != target || copying!.rows >= rowsPerCopy { try endCopy() }
        if copying == nil { try beginCopy(into: target, locate: locate) }
        copying!.buffer.append(contentsOf: row)
        copying!.rows += 1
        if copying!.buffer.count >= PostgresConnection.copyChunk { try sendCopyBuffer() }
        return copying!.rows
    }

    /// Starts the COPY (never a prepared statement: COPY cannot be one).
    private func beginCopy(into target: String, locate: @escaping (Int) -> String?) throws {
        let open = CopyIn(target: target, locate: locate)
        try requireIdle(open.statement)
        tracer?(open.statement)
        let result = PostgresResult(pq, pq.exec(handle, open.statement))
        guard result.pointer != nil else { throw connectionError(open.statement) }
        guard result.status == LibPQ.ResultStatus.copyIn else { throw error(result, sql: open.statement) }
        copying = open
        copying!.buffer.reserveCapacity(PostgresConnection.copyChunk + 4096)
    }

    public func endCopy() throws {
        guard copying != nil else { return }
        try sendCopyBuffer()
        let open = copying!
        copying = nil
        guard pq.putCopyEnd(handle, nil) == 1 else { throw copyFailure(open) }
        if let failure = copyResult(open) { throw failure }
    }

    /// The COPY's outcome, read to its end: its error (located, and marked
    /// as the COPY's, so that the statement that happened to end it is not
    /// taken for its cause), or nil when it succeeded.
    private func copyResult(_ open: CopyIn) -> PostgresError? {
        var failure: PostgresError?
        var endRetried = false
        while let pointer = pq.getResult(handle) {
            let result = PostgresResult(pq, pointer)
            if result.status == LibPQ.ResultStatus.copyIn {
                // libpq is still in the COPY (its end could not be queued): end it once more, else stop reading.
                if endRetried || pq.putCopyEnd(handle, "abandoned by socializer") != 1 { break }
                endRetried = true
                continue
            }
            guard result.status != LibPQ.ResultStatus.commandOK, failure == nil else { continue }
            var error = self.error(result, sql: open.statement)
            if let line = PostgresConnection.copyLine(pq.resultErrorField(result.pointer, LibPQ.Field.context).map { String(cString: $0) }) {
                error.location = open.locate(line)
            }
            error.endedCopy = true
            failure = error
        }
        return failure
    }

    /// libpq would not take more of the COPY. It does not read the server's
    /// messages while sending one, so a row the server refused is reported
    /// only when the COPY ends, never here: this is a lost connection (or
    /// libpq out of memory), whose result, if any, says more.
    private func copyFailure(_ open: CopyIn) -> PostgresError {
        let lost = connectionError(open.statement)
        return copyResult(open) ?? lost
    }

    /// Abandons the open COPY: the server discards its rows and fails the
    /// transaction, which the caller is rolling back anyway.
    func abandonCopy() {
        guard let open = copying else { return }
        copying = nil
        guard pq.putCopyEnd(handle, "abandoned by socializer") == 1 else { return }
        _ = copyResult(open)
    }

    /// Before `sql` runs: a ROLLBACK (or ABORT, in any case) abandons the open COPY, anything else ends it.
    func settleCopy(before sql: String) throws {
        let verb = sql.drop { $0.isWhitespace }.prefix(8).uppercased()
        if verb.hasPrefix("ROLLBACK") || verb.hasPrefix("ABORT") {
            abandonCopy()
        } else {
            try endCopy()
        }
    }

    /// Hands the gathered rows to libpq, which sends them (blocking while the server catches up).
    private func sendCopyBuffer() throws {
        guard copying != nil, !copying!.buffer.isEmpty else { return }
        let sent = copying!.buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { pq.putCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else {
            let open = copying!
            copying = nil
            throw copyFailure(open)
        }
        copying!.buffer.removeAll(keepingCapacity: true)
    }

    /// N out of the error's context `COPY room_messages, line N[, column c]: …`.
    static func copyLine(_ context: String?) -> Int? {
        guard let context, let range = context.firstRange(of: ", line ") else { return nil }
        return Int(context[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Values in COPY's text format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2):
/// columns separated by a tab, rows ended by a newline, NULL as `\N`, and a
/// backslash, tab, newline or carriage return inside a value escaped.
public enum PostgresCopyText {
    public static func appendNull(_ row: inout [UInt8]) {
        row.append(UInt8(ascii: "\\"))
        row.append(UInt8(ascii: "N"))
    }

    /// A value as the parameters of a statement would carry it (`parameterText`), escaped.
    public static func append(_ value: DatabaseValue, to row: inout [UInt8]) throws {
        switch value {
        case .null: appendNull(&row)
        case .integer(let v):
            if v >= 0 && v < 10 { row.append(UInt8(ascii: "0") + UInt8(v)) } else { row.append(contentsOf: String(v).utf8) }
        case .text(let text):
            var text = text
            try text.withUTF8 { try append(text: $0, to: &row) }
        default:
            guard let text = try PostgresConnection.parameterText(value) else { return appendNull(&row) }
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBufferPointer { try append(text: $0, to: &row) }
        }
    }

    /// UTF-8 text, escaped; a NUL is refused as the statements' parameters refuse it.
    public static func append(text: UnsafeBufferPointer<UInt8>, to row: inout [UInt8]) throws {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\\"): row.append(byte); row.append(byte)
            case UInt8(ascii: "\t"): row.append(UInt8(ascii: "\\")); row.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): row.append(UInt8(ascii: "\\")); row.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): row.append(UInt8(ascii: "\\")); row.append(UInt8(ascii: "r"))
            case 0: throw PostgresConnection.nulRefusal
            default: row.append(byte)
            }
        }
    }
}
