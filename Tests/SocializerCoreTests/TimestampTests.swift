import Testing
@testable import SocializerCore

@Suite struct TimestampTests {
    @Test func formatsTheStorageAndDisplayForms() throws {
        let t = try #require(Timestamp(year: 2026, month: 1, day: 31, hour: 12, minute: 5, second: 9, microsecond: 42))
        #expect(t.databaseText == "2026-01-31 12:05:09.000042")
        #expect(t.dateText == "2026-01-31")
        #expect(t.iso8601 == "2026-01-31T12:05:09.000042Z")
        #expect(Timestamp(year: 2026, month: 1, day: 31)!.iso8601 == "2026-01-31T00:00:00Z")
        // Written digit by digit: the edges of every field, and the first and last storable instants.
        #expect(Timestamp(year: 1, month: 1, day: 1)!.iso8601 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59, microsecond: 999_999)!.iso8601
                == "9999-12-31T23:59:59.999999Z")
        #expect(Timestamp(year: 2024, month: 2, day: 29, hour: 10, minute: 0, second: 1, microsecond: 100_000)!.iso8601
                == "2024-02-29T10:00:01.100000Z")
        var bytes = Array("[".utf8)
        t.writeISO8601(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "[" + t.iso8601)
    }

    @Test func readsEveryISO8601FormTheAppOrAnOperatorWrites() throws {
        let expected = try #require(Timestamp(year: 2026, month: 1, day: 31, hour: 12))
        for text in ["2026-01-31T12:00:00Z", "2026-01-31 12:00:00", "2026-01-31T12:00", "2026-01-31 12:00:00.000000",
                     "2026-01-31T14:00:00+02:00", "2026-01-31T07:00:00-0500", "2026-01-31t12:00:00z"] {
            #expect(Timestamp.parse(text) == expected, "\(text)")
        }
        #expect(Timestamp.parse("2026-01-31") == Timestamp(year: 2026, month: 1, day: 31))
        #expect(Timestamp.parse("2026-01-31 12:00:00.5")?.parts.microsecond == 500_000)
        #expect(Timestamp.parse("2026-01-31 12:00:00.1234567")?.parts.microsecond == 123_456)
    }

    @Test func refusesImpossibleDates() {
        for text in ["2026-02-30", "2026-13-01", "2026-01-31T24:00:00", "2026-1-31", "yesterday", "2026-01-31T12:00:00Q", ""] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
        #expect(Timestamp.parse("2024-02-29") != nil)
        #expect(Timestamp.parse("2100-02-29") == nil)
    }

    @Test func roundTripsThroughTheCalendar() {
        for seconds: Int64 in [0, -1, 86_399, 951_782_400, 1_700_000_000, 4_102_444_800, -2_208_988_800] {
            let t = Timestamp(secondsSinceEpoch: seconds)
            #expect(Timestamp.parse(t.databaseText) == t)
            #expect(Timestamp.parse(t.iso8601) == t)
        }
        #expect(Timestamp(secondsSinceEpoch: 0).databaseText == "1970-01-01 00:00:00.000000")
    }

    @Test func storedTextSortsInTimeOrder() {
        let times = [Timestamp(secondsSinceEpoch: 5), Timestamp(microsecondsSinceEpoch: 5_000_001),
                     Timestamp(secondsSinceEpoch: 1_000_000_000)]
        #expect(times.map(\.databaseText).sorted() == times.map(\.databaseText))
    }

    @Test func tellsTheStorageFormFromTheOtherFormsItReads() {
        func nonCanonical(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { Timestamp.isNonCanonical(utf8: $0) }
        }
        for text in ["2026-11-29T07:44:48", "2026-11-29 07:44:48", "2026-11-29 07:44:48.5", "2026-11-29T07:44:48.000000",
                     "2026-11-29 07:44:48.000000Z", "2026-11-29", "2026-11-29 09:44:48+02:00"] {
            #expect(nonCanonical(text), "\(text)")
        }
        // The storage form, and what is no time at all (bad-datetime's business).
        for text in ["2026-11-29 07:44:48.000000", "1970-01-01 00:00:00.123456", "2026-02-30 00:00:00.000000", "soon", ""] {
            #expect(!nonCanonical(text), "\(text)")
        }
    }

    @Test func durationsAcceptTheDocumentedUnitsOnly() {
        #expect(TimeSpan.parse("30s")?.seconds == 30)
        #expect(TimeSpan.parse("15m")?.seconds == 900)
        #expect(TimeSpan.parse("24h")?.seconds == 86_400)
        #expect(TimeSpan.parse("30d")?.seconds == 2_592_000)
        #expect(TimeSpan.parse("2w")?.seconds == 1_209_600)
        for bad in ["5x", "d", "-3d", "1.5d", "", "99999999999999999w", " 3d"] {
            #expect(TimeSpan.parse(bad) == nil, "\(bad)")
        }
    }
}
