import Testing

@testable import SleeveCore

@Suite struct CoverFallbackTests {
    @Test func earlierCoverWins() {
        #expect(CoverFallback.resolve(["a", nil, "b", nil]) == ["a", "a", "b", "b"])
    }

    @Test func laterCoverFillsTheStart() {
        #expect(CoverFallback.resolve([nil, nil, "c"]) == ["c", "c", "c"])
    }

    @Test func noCoverGivesNil() {
        #expect(CoverFallback.resolve([String?.none, nil]) == nil)
    }
}
