import HTTPServer
import Testing

struct ByteRangeTests {
    @Test(arguments: [
        ("bytes=0-9", HTTPByteRange.range(offset: 0, length: 10)),
        ("bytes=10-19", .range(offset: 10, length: 10)),
        ("bytes=990-", .range(offset: 990, length: 10)),
        ("bytes=990-5000", .range(offset: 990, length: 10)),
        ("bytes=-10", .range(offset: 990, length: 10)),
        ("bytes=-5000", .range(offset: 0, length: 1000)),
        ("bytes=999-999", .range(offset: 999, length: 1)),
        ("Bytes = 5 - 6", .range(offset: 5, length: 2)),
        ("bytes=1000-", .unsatisfiable),
        ("bytes=1000-1001", .unsatisfiable),
        ("bytes=-0", .unsatisfiable),
        ("bytes=99999999999999999999999-", .unsatisfiable),
    ])
    func parsesSingleRange(header: String, expected: HTTPByteRange) {
        #expect(HTTPByteRange.parse(header, length: 1000) == expected)
    }

    @Test(arguments: [
        "items=0-9",
        "bytes=5-4",
        "bytes=0-1,5-6",
        "bytes=a-b",
        "bytes=-",
        "bytes=--5",
        "bytes",
        "",
    ])
    func ignoresInvalidOrMultipleRanges(header: String) {
        #expect(HTTPByteRange.parse(header, length: 1000) == nil)
    }

    @Test func missingHeaderIsIgnored() {
        #expect(HTTPByteRange.parse(nil, length: 1000) == nil)
    }

    @Test func emptyBodyIsUnsatisfiable() {
        #expect(HTTPByteRange.parse("bytes=0-", length: 0) == .unsatisfiable)
        #expect(HTTPByteRange.parse("bytes=-1", length: 0) == .unsatisfiable)
    }

    @Test func contentRangeValues() {
        #expect(HTTPByteRange.range(offset: 10, length: 10).contentRange(length: 1000) == "bytes 10-19/1000")
        #expect(HTTPByteRange.unsatisfiable.contentRange(length: 1000) == "bytes */1000")
    }
}
