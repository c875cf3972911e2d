/// The storage and display forms of a `Timestamp` written straight into a
/// byte buffer, for the bulk paths (fixture loads, generation, dumps): the
/// same text as `databaseText`, `dateText` and `iso8601`, without a
/// `String` per value.
extension Timestamp {
    @inline(__always)
    private static func digits(_ value: Int64, _ width: Int, to out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        // Out of the storable range (Timestamp.parse takes years 1 to 9999): as `pad` writes it.
        if v < 0 || v >= divisor * 10 { out.append(contentsOf: Timestamp.pad(v, width).utf8); return }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / divisor))
            v %= divisor
            divisor /= 10
        }
    }

    /// `YYYY-MM-DD`.
    public func writeDate(to out: inout [UInt8]) {
        let p = parts
        Timestamp.digits(p.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        Timestamp.digits(p.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        Timestamp.digits(p.day, 2, to: &out)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`, the DATETIME storage form.
    public func writeDatabaseText(to out: inout [UInt8]) {
        writeDateTime(separator: UInt8(ascii: " "), alwaysFraction: true, to: &out)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, the JSON form.
    public func writeISO8601(to out: inout [UInt8]) {
        writeDateTime(separator: UInt8(ascii: "T"), alwaysFraction: false, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    private func writeDateTime(separator: UInt8, alwaysFraction: Bool, to out: inout [UInt8]) {
        let p = parts
        writeDate(to: &out)
        out.append(separator)
        Timestamp.digits(p.hour, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        Timestamp.digits(p.minute, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        Timestamp.digits(p.second, 2, to: &out)
        if alwaysFraction || p.microsecond != 0 {
            out.append(UInt8(ascii: "."))
            Timestamp.digits(p.microsecond, 6, to: &out)
        }
    }
}
