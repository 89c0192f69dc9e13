import Logging

/// The bytes of a message as received, kept for as long as processing may need them again (to
/// quarantine the message or pass it on unchanged) without holding a large message twice.
///
/// A message larger than ``SpillFile/threshold`` is written to a ``SpillFile``. Its one copy in
/// memory can then be handed over to the parser, which makes the body of a single-part (S/MIME)
/// message out of it in place; later requests read the file again. When the file cannot be
/// written, the bytes stay in memory: nothing is lost, only memory is spent.
final class OriginalMessage {
    private var retained: [UInt8]?
    private let spilled: SpillFile?
    private let count: Int

    init(_ bytes: consuming [UInt8], spillDirectory: String, logger: Logger) {
        count = bytes.count
        spilled = bytes.count > SpillFile.threshold ? Self.spill(bytes, into: spillDirectory, logger: logger) : nil
        retained = consume bytes
    }

    /// The bytes. For a spilled message every call returns a copy of its own that the caller
    /// may take over (the first call hands over the one in memory); otherwise the shared copy.
    /// - Throws: ``TransientProcessingError`` when the spill file cannot be read back; the MTA
    ///   keeps the message and retries.
    func bytes() throws -> [UInt8] {
        guard let spilled else { return retained ?? [] }
        if let handedOver = retained.take() { return handedOver }
        do throws(FileInputError) {
            return try spilled.prefix(count)
        } catch {
            throw TransientProcessingError(
                description: "the spilled copy of the message cannot be read back (\(error.systemMessage)); the MTA keeps the message and retries")
        }
    }

    /// The bytes to hand on unchanged: the spill file itself when there is one (no copy in memory).
    /// - Throws: as ``bytes()``.
    func forDelivery() throws -> MessageBytes {
        guard let spilled else { return MessageBytes(try bytes()) }
        return MessageBytes(spilled: spilled)
    }

    private static func spill(_ bytes: borrowing [UInt8], into directory: String, logger: Logger) -> SpillFile? {
        guard let file = SpillFile.create(in: directory, logger: logger) else { return nil }
        do throws(FileInputError) {
            try file.append(bytes[...])
            return file
        } catch {
            logger.warning(
                "a large message is held in memory twice: its spill file cannot be written",
                metadata: ["directory": "\(directory)", "error": "\(error.systemMessage)", "remedy": "free space in the state_directory"])
            return nil
        }
    }
}
