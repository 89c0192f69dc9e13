import Testing

@testable import SecureMail

@Suite struct LargeBuffersTests {
    /// Sizes on both sides of the advice threshold, and slices that do not start at zero.
    @Test(arguments: [0, 1, 4095, LargeBuffers.adviceThreshold - 1, LargeBuffers.adviceThreshold, LargeBuffers.adviceThreshold + 12_345])
    func copyHoldsExactlyTheSlice(count: Int) {
        let source = (0..<(count + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let slice = source[3..<(3 + count)]
        let copy = LargeBuffers.copy(slice)
        #expect(copy.count == count)
        #expect(copy.elementsEqual(slice))
    }

    @Test(arguments: [64, LargeBuffers.adviceThreshold * 2 + 100])
    func reserveCapacityKeepsTheContentAndMakesRoom(capacity: Int) {
        var bytes: [UInt8] = Array("Content-Type: text/plain\r\n\r\n".utf8)
        let before = bytes
        LargeBuffers.reserveCapacity(&bytes, capacity)
        #expect(bytes == before)
        #expect(bytes.capacity >= capacity)
        bytes += [UInt8](repeating: 0x41, count: capacity - bytes.count)
        #expect(bytes.count == capacity && bytes.prefix(before.count).elementsEqual(before) && bytes.last == 0x41)
    }
}
