import SocializerCore

/// The `"name":` of each member of a stream of JSON objects that all have
/// the same members (the rows of a list, the records of a takeout
/// section), encoded once, one after another in one flat buffer (no array
/// per name to retain): writing a row then copies bytes instead of
/// escaping every name again.
struct MemberNames {
    private var bytes: [UInt8] = []
    /// Where member n's `"name":` ends in `bytes`.
    private var ends: [Int] = []

    init(_ names: [String] = []) {
        var bytes: [UInt8] = []
        ends = names.map { name in
            JSONValue.writeString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return bytes.count
        }
        self.bytes = bytes
    }

    var count: Int { ends.count }

    /// `{"a":…,"b":…}` appended to `out`: member n holds `cells[n]`, or
    /// `cells[selection[n]]` when a selection (`--fields`) picks the cells.
    func writeObject(_ cells: [Cell], picking selection: [Int]? = nil, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        bytes.withUnsafeBufferPointer { names in
            var start = 0
            for n in ends.indices {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: names[start..<ends[n]])
                start = ends[n]
                cells[selection?[n] ?? n].writeJSON(to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }
}
