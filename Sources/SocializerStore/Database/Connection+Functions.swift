import CSQLite

extension Connection {
    /// Defines `name(X)` on this connection: 1 when `test` accepts the UTF-8
    /// text of X, 0 when it does not, NULL when X is NULL. Numbers and blobs
    /// are tested as SQLite's text of them. Deterministic, so SQLite may call
    /// it once per distinct value (https://sqlite.org/c3ref/create_function.html).
    /// Whole-table checks use it to apply Swift's rules (`Timestamp.parse`)
    /// inside one aggregate query, without a row crossing into Swift.
    public func defineTextTest(_ name: String, _ test: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) throws {
        let box = Unmanaged.passRetained(TextTest(test)).toOpaque()
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
                let accepted = Unmanaged<TextTest>.fromOpaque(sqlite3_user_data(context))._withUnsafeGuaranteedRef {
                    $0.body(UnsafeBufferPointer(start: text, count: text == nil ? 0 : count))
                }
                sqlite3_result_int(context, accepted ? 1 : 0)
            },
            nil, nil,
            { box in if let box { Unmanaged<TextTest>.fromOpaque(box).release() } })
        if rc != SQLITE_OK { throw lastError(rc, sql: nil) }
    }
}

/// The Swift side of a function `defineTextTest` made; SQLite holds it
/// until the function is replaced or the connection closes.
final class TextTest {
    let body: (UnsafeBufferPointer<UInt8>) -> Bool
    init(_ body: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) { self.body = body }
}
