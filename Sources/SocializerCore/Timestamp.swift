/// An instant in UTC with microsecond precision: what SQLAlchemy's SQLite
/// dialect stores as `YYYY-MM-DD HH:MM:SS.ffffff` (SPEC §2).
///
/// Pure arithmetic on the proleptic Gregorian calendar (days-from-civil),
/// so no time zone database or locale is ever consulted.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microsecondsSinceEpoch: Int64) { self.microseconds = microsecondsSinceEpoch }
    public init(secondsSinceEpoch: Int64) { self.microseconds = secondsSinceEpoch * 1_000_000 }

    public var secondsSinceEpoch: Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : -((-microseconds + 999_999) / 1_000_000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microseconds + seconds * 1_000_000)
    }

    public var description: String { iso8601 }

    // MARK: Calendar

    static func daysFromCivil(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public struct Parts: Sendable, Equatable {
        public var year, month, day, hour, minute, second, microsecond: Int64
    }

    public var parts: Parts {
        let micro = ((microseconds % 1_000_000) + 1_000_000) % 1_000_000
        let totalSeconds = (microseconds - micro) / 1_000_000
        let secondsOfDay = ((totalSeconds % 86_400) + 86_400) % 86_400
        let days = (totalSeconds - secondsOfDay) / 86_400
        let (y, m, d) = Timestamp.civilFromDays(days)
        return Parts(year: y, month: m, day: d, hour: secondsOfDay / 3600,
                     minute: secondsOfDay % 3600 / 60, second: secondsOfDay % 60, microsecond: micro)
    }

    public init?(year: Int64, month: Int64, day: Int64, hour: Int64 = 0, minute: Int64 = 0,
                 second: Int64 = 0, microsecond: Int64 = 0) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Timestamp.daysInMonth(year, month)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              (0...999_999).contains(microsecond) else { return nil }
        let days = Timestamp.daysFromCivil(year, month, day)
        microseconds = ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000) + microsecond
    }

    // MARK: Formatting

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`, the DATETIME storage form; sorts as text.
    public var databaseText: String {
        let p = parts
        return "\(Timestamp.pad(p.year, 4))-\(Timestamp.pad(p.month, 2))-\(Timestamp.pad(p.day, 2)) "
            + "\(Timestamp.pad(p.hour, 2)):\(Timestamp.pad(p.minute, 2)):\(Timestamp.pad(p.second, 2))."
            + Timestamp.pad(p.microsecond, 6)
    }

    /// `YYYY-MM-DD`, the DATE storage form.
    public var dateText: String {
        let p = parts
        return "\(Timestamp.pad(p.year, 4))-\(Timestamp.pad(p.month, 2))-\(Timestamp.pad(p.day, 2))"
    }

    /// ISO 8601 in UTC with `Z`, the user-facing form; the fraction appears
    /// only when there is one.
    public var iso8601: String {
        var bytes: [UInt8] = []
        writeISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `b` is a value `parse` reads that is not in the storage form
    /// (`databaseText`): `2026-11-29T07:44:48`, `… 07:44:48` without the
    /// fraction, a zone, a date alone. SQL compares DATETIME as text, where
    /// `' '` sorts before `'T'` and a shorter value before a longer one, so
    /// such a value sorts out of time order against the others. A value
    /// with the storage form's layout is decided by the layout alone
    /// (whether its digits make a date is `parse`'s question), so the
    /// whole-table check pays for a parse only on the rare other values.
    public static func isNonCanonical(utf8 b: UnsafeBufferPointer<UInt8>) -> Bool {
        !hasDatabaseLayout(b) && parse(utf8: b) != nil
    }

    /// `????-??-?? ??:??:??.??????`: the separators of `databaseText` where it has them.
    static func hasDatabaseLayout(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
        return b.count == 26 && b[4] == dash && b[7] == dash && b[10] == UInt8(ascii: " ") && b[13] == colon
            && b[16] == colon && b[19] == UInt8(ascii: ".")
    }

    // MARK: Parsing

    /// Reads any ISO 8601 date or date-time the app or an operator may write:
    /// `2026-01-31`, `2026-01-31T12:00`, `2026-01-31 12:00:00.5`,
    /// `2026-01-31T12:00:00Z`, `…+02:00`, `…+0200`. No zone means UTC, as
    /// the app stores it.
    public static func parse(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// `parse` over UTF-8 bytes (a column or a record's text, read in
    /// place), allocating nothing: whole-table checks (`Doctor`) and
    /// fixture loads call it for every DATE and DATETIME value.
    public static func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        // A byte, not a Character: Character's ASCII value is a Unicode
        // lookup, which whole-table checks would pay for every value.
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        let dash = UInt8(ascii: "-"), colon = UInt8(ascii: ":")
        guard let y = digits(4), expect(dash), let mo = digits(2), expect(dash), let d = digits(2) else { return nil }
        if i == b.count { return Timestamp(year: y, month: mo, day: d) }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else {
            return nil
        }
        i += 1
        guard let h = digits(2), expect(colon), let mi = digits(2) else { return nil }
        var s: Int64 = 0
        var micro: Int64 = 0
        if expect(colon) {
            guard let sec = digits(2) else { return nil }
            s = sec
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var count = 0
                var frac: Int64 = 0
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                    if count < 6 { frac = frac * 10 + Int64(b[i] - 0x30) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<max(count, 6) { frac *= 10 }
                micro = frac
            }
        }
        var offsetSeconds: Int64 = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
                i += 1
                guard let oh = digits(2), oh <= 23 else { return nil }
                _ = expect(colon)
                guard let om = digits(2), om <= 59 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == b.count, let local = Timestamp(year: y, month: mo, day: d, hour: h, minute: mi,
                                                  second: s, microsecond: micro) else { return nil }
        return local.adding(seconds: -offsetSeconds)
    }
}

/// A length of time given as `30s`, `15m`, `24h`, `30d` or `2w`.
public struct TimeSpan: Sendable, Hashable, CustomStringConvertible {
    public var seconds: Int64
    public init(seconds: Int64) { self.seconds = seconds }

    public static let accepted = "a whole number followed by s, m, h, d or w (30s, 15m, 24h, 30d, 2w)"

    public static func parse(_ text: String) -> TimeSpan? {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let number = text.dropLast()
        guard number.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(number) else { return nil }
        let multiplier: Int64
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        case "d": multiplier = 86_400
        case "w": multiplier = 604_800
        default: return nil
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        guard !overflow, product <= 100 * 366 * 86_400 else { return nil }
        return TimeSpan(seconds: product)
    }

    public var description: String { "\(seconds)s" }

    /// The largest whole unit: `90d`, `36h`, `15m`, `30s`.
    public static func describe(_ span: TimeSpan) -> String {
        for (unit, size) in [("w", Int64(604_800)), ("d", 86_400), ("h", 3_600), ("m", 60)] where span.seconds % size == 0 && span.seconds > 0 {
            return "\(span.seconds / size)\(unit)"
        }
        return "\(span.seconds)s"
    }
}
