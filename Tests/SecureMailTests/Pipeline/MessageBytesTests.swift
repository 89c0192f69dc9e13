import Foundation
import Testing
@testable import SecureMail

/// Messages to hand on: a large one is written to a nameless spill file as it is made and read
/// back in pieces, exactly; a small one, or one with nowhere to spill, stays in memory.
@Suite struct MessageBytesTests {
    /// Writes `content` in pieces of uneven sizes, as OpenSSL's streaming encoder hands them over.
    static func written(_ content: [UInt8], spillDirectory: String?) throws -> MessageBytes {
        var writer = MessageBytesWriter(expectedCount: content.count, spillDirectory: spillDirectory)
        var offset = 0
        while offset < content.count {
            let end = min(content.count, offset + 1 + (offset * 7919) % 9000)
            writer.append { $0 += content[offset..<end] }
            offset = end
        }
        return try writer.finish()
    }

    @Test func aLargeMessageGoesToANamelessSpillFileAndComesBackExactly() throws {
        let folder = try TemporaryFolder("spill")
        let content = LargeMessageTests.pseudoRandomBytes(3 * SpillFile.threshold + 5, seed: 21)
        let bytes = try Self.written(content, spillDirectory: folder.path(""))
        #expect(bytes.isSpilled)
        #expect(bytes.count == content.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty, "the spill file has no name")
        #expect(try bytes.collected() == content)

        var pieces: [UInt8] = []
        try bytes.forEachPiece(size: 100_003) { pieces += $0 }
        #expect(pieces == content)
        var scratch: [UInt8] = []
        let tail = try bytes.withPiece(at: content.count - 10, maximum: 1000, scratch: &scratch) { Array($0) }
        #expect(tail == Array(content.suffix(10)))

        #expect(bytes == MessageBytes(content))
        #expect(bytes != MessageBytes(Array(content.dropLast())))
        var changed = content
        changed[SpillFile.threshold] ^= 1
        #expect(bytes != MessageBytes(changed))
    }

    @Test func aSmallMessageOrOneWithNowhereToSpillStaysInMemory() throws {
        let folder = try TemporaryFolder("spill")
        let small = Array("Subject: kort\r\n\r\nHej\r\n".utf8)
        let smallBytes = try Self.written(small, spillDirectory: folder.path(""))
        #expect(!smallBytes.isSpilled)
        #expect(try smallBytes.collected() == small)

        let large = LargeMessageTests.pseudoRandomBytes(SpillFile.threshold + 1, seed: 22)
        let unspilled = try Self.written(large, spillDirectory: nil)
        #expect(!unspilled.isSpilled)
        #expect(try unspilled.collected() == large)
        let unwritable = try Self.written(large, spillDirectory: folder.path("missing/state"))
        #expect(!unwritable.isSpilled)
        #expect(try unwritable.collected() == large)
        #expect(!FileManager.default.fileExists(atPath: folder.path("missing")))
    }

    @Test func anEmptyMessageHasOneEmptyPiece() throws {
        var pieces: [Int] = []
        try MessageBytes([]).forEachPiece { pieces.append($0.count) }
        #expect(pieces == [0])
    }
}
