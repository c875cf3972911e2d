import CSQLite

extension Connection {
    /// Defines `name(X)` on this connection: 1 when `test` accepts the UTF-8
    /// text of X, 0 when it does not, NULL when X is NULL. Numbers and blobs
    /// are tested as SQLite's text of them. Deterministic, so SQLite may call
    /// it once per distinct value (https://sqlite.org/c3ref/create_function.html).
    /// Whole-table checks use it to apply Swift's rules (`Timestamp.parse`)
    /// inside one aggregate query, without a row crossing into Swift.
    public func defineTextTest(_ name: String, _ test: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) throws {
        try defineTextFunction(name) { test($0) ? .integer(1) : .integer(0) }
    }

    /// Defines `name(X)` on this connection: the text `map` makes of the
    /// UTF-8 text of X, or X itself when `map` gives nil or X is NULL.
    /// Deterministic. A repair uses it to rewrite values in one `UPDATE`
    /// (`Timestamp`'s storage form of any form it reads) without a row
    /// crossing into Swift and back.
    public func defineTextMap(_ name: String, _ map: @escaping (UnsafeBufferPointer<UInt8>) -> String?) throws {
        try defineTextFunction(name) { map($0).map(TextFunction.Result.text) ?? .argument }
    }

    /// The one registration behind both: `body` sees X's UTF-8 text (never
    /// for NULL, which gives NULL) and says what the call returns.
    private func defineTextFunction(_ name: String, _ body: @escaping (UnsafeBufferPointer<UInt8>) -> TextFunction.Result) throws {
        let box = Unmanaged.passRetained(TextFunction(body)).toOpaque()
        let rc = sqlite3_create_function_v2(
            handle, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, box,
            { context, _, arguments in
                guard let context, let argument = arguments?[0] else { return }
                if sqlite3_value_type(argument) == SQLITE_NULL {
                    sqlite3_result_null(context)
                    return
                }
                // The text pointer stays valid until the next call on this value.
                let text = sqlite3_value_text(argument)
                let count = Int(sqlite3_value_bytes(argument))
                // SQLite holds the box for as long as the function exists: no retain per call.
                let result = Unmanaged<TextFunction>.fromOpaque(sqlite3_user_data(context))._withUnsafeGuaranteedRef {
                    $0.body(UnsafeBufferPointer(start: text, count: text == nil ? 0 : count))
                }
                switch result {
                case .integer(let value): sqlite3_result_int(context, value)
                case .argument: sqlite3_result_value(context, argument)
                case .text(var string):
                    string.withUTF8 { bytes in
                        csqlite_result_text_transient(context, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                                      sqlite3_uint64(bytes.count))
                    }
                }
            },
            nil, nil,
            { box in if let box { Unmanaged<TextFunction>.fromOpaque(box).release() } })
        if rc != SQLITE_OK { throw lastError(rc, sql: nil) }
    }
}

/// The Swift side of a function `defineTextFunction` made; SQLite holds it
/// until the function is replaced or the connection closes.
final class TextFunction {
    enum Result {
        case integer(Int32)
        case text(String)
        /// The argument itself, unchanged.
        case argument
    }

    let body: (UnsafeBufferPointer<UInt8>) -> Result
    init(_ body: @escaping (UnsafeBufferPointer<UInt8>) -> Result) { self.body = body }
}
